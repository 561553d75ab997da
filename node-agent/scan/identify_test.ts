/** Classification of recorded replies (the wire exchanges are in subnet_test.ts). */
import assert from "node:assert/strict";
import {
  httpResult,
  onvifResult,
  parseReply,
  rtspRequest,
  rtspResult,
} from "./identify.ts";

const reply = (text: string) => {
  const r = parseReply(text);
  assert.ok(r, text);
  return r;
};

Deno.test("parseReply() reads RTSP and HTTP heads and refuses the rest", () => {
  const r = reply(
    'RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\nWWW-Authenticate: Digest realm="IP Camera"\r\n\r\n',
  );
  assert.equal(r.version, "RTSP/1.0");
  assert.equal(r.status, 401);
  assert.equal(r.reason, "Unauthorized");
  assert.equal(r.headers.get("www-authenticate"), 'Digest realm="IP Camera"');
  assert.equal(reply("HTTP/1.0 200\n\nbody").body, "body");
  assert.equal(parseReply("SSH-2.0-OpenSSH_9.2\r\n"), null);
  assert.equal(parseReply("220 ftp ready\r\n"), null);
  assert.equal(parseReply(""), null);
});

Deno.test("rtspRequest() asks about the root path only", () => {
  assert.equal(
    rtspRequest("OPTIONS", "192.168.1.20", 554),
    "OPTIONS rtsp://192.168.1.20:554/ RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: Falcon-Eye scan\r\n\r\n",
  );
  assert.match(
    rtspRequest("DESCRIBE", "10.0.0.2", 8554),
    /^DESCRIBE rtsp:\/\/10\.0\.0\.2:8554\/ RTSP\/1\.0\r\n/,
  );
});

Deno.test("rtspResult() says 401 means credentials, and suggests no path", () => {
  const r = rtspResult(
    "192.168.1.20",
    554,
    reply("RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\n\r\n"),
  );
  assert.equal(r.confidence, "confirmed");
  assert.equal(r.needs_credentials, true);
  assert.equal(
    r.evidence,
    "RTSP/1.0 401 Unauthorized on OPTIONS (needs credentials)",
  );
  assert.equal(r.suggested.source_url, "rtsp://192.168.1.20/");
  assert.equal(r.suggested.name, "RTSP camera 192.168.1.20");
  const open = rtspResult(
    "192.168.1.21",
    8554,
    reply("RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n"),
    reply(
      "RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Type: application/sdp\r\n\r\n",
    ),
  );
  assert.equal(open.needs_credentials, false);
  assert.equal(open.suggested.source_url, "rtsp://192.168.1.21:8554/");
});

Deno.test("onvifResult() tells ONVIF from a web server answering any POST", () => {
  const fault = reply(
    'HTTP/1.1 400 Bad Request\r\nContent-Type: application/soap+xml\r\n\r\n<?xml version="1.0"?><env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:ter="http://www.onvif.org/ver10/error"><env:Body><env:Fault><env:Code><env:Value>env:Sender</env:Value><env:Subcode><env:Value>ter:NotAuthorized</env:Value></env:Subcode></env:Code></env:Fault></env:Body></env:Envelope>',
  );
  const f = onvifResult("10.0.0.5", 80, fault)!;
  assert.equal(f.kind, "onvif");
  assert.equal(f.confidence, "likely");
  assert.equal(f.needs_credentials, true);
  assert.equal(f.suggested.source_url, "onvif://10.0.0.5");
  assert.equal(
    onvifResult(
      "10.0.0.5",
      80,
      reply(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html>hi</html>",
      ),
    ),
    null,
  );
  assert.equal(
    onvifResult(
      "10.0.0.5",
      80,
      reply("HTTP/1.1 405 Method Not Allowed\r\n\r\n"),
    ),
    null,
  );
  // A SOAP envelope without the answer or a fault is not enough.
  assert.equal(
    onvifResult(
      "10.0.0.5",
      80,
      reply("HTTP/1.1 200 OK\r\n\r\n<s:Envelope><s:Body/></s:Envelope>"),
    ),
    null,
  );
});

Deno.test("httpResult() grades by Content-Type only", () => {
  const jpeg = httpResult(
    "10.0.0.6",
    8080,
    reply("HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\n\r\n"),
  );
  assert.equal(jpeg.confidence, "likely");
  assert.match(jpeg.evidence, /a JPEG image$/);
  assert.equal(jpeg.suggested.source_url, "http://10.0.0.6:8080/");
  const login = httpResult(
    "10.0.0.6",
    80,
    reply(
      'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm="cam"\r\n\r\n',
    ),
  );
  assert.equal(login.confidence, "possible");
  assert.equal(login.needs_credentials, true);
  assert.equal(login.suggested.source_url, "http://10.0.0.6/");
  const page = httpResult("10.0.0.6", 80, reply("HTTP/1.1 200 OK\r\n\r\n"));
  assert.equal(page.confidence, "possible");
  assert.equal(page.evidence, "HTTP/1.1 200 OK on GET /: a web page");
});
