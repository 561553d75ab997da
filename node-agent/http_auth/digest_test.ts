import assert from "node:assert/strict";
import {
  basicAuthorization,
  canAnswer,
  type Challenge,
  digestAuthorization,
  parseChallenges,
  pickChallenge,
} from "./digest.ts";

/** RFC 7616 § 3.9.1: the server offers SHA-256 and MD5 in two headers. */
const RFC7616_HEADER = [
  'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, ' +
  'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", ' +
  'opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
  'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, ' +
  'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", ' +
  'opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
].join(", "); // as Headers.get() joins two WWW-Authenticate headers

function rfc7616(challenge: Challenge): string {
  return digestAuthorization({
    challenge,
    username: "Mufasa",
    password: "Circle of Life",
    method: "GET",
    uri: "/dir/index.html",
    nc: 1,
    cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
  });
}

/** A parameter of an Authorization header (same syntax as a challenge). */
function param(header: string, name: string): string | undefined {
  return parseChallenges(header)[0]?.params[name];
}

Deno.test("parseChallenges() splits two joined Digest challenges", () => {
  const cs = parseChallenges(RFC7616_HEADER);
  assert.equal(cs.length, 2);
  assert.deepEqual(cs.map((c) => c.params.algorithm), ["SHA-256", "MD5"]);
  assert.equal(cs[0].params.qop, "auth, auth-int");
  assert.equal(
    cs[1].params.opaque,
    "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS",
  );
});

Deno.test("parseChallenges() reads Basic, escapes and token68 challenges", () => {
  const cs = parseChallenges(
    'Negotiate abc==, Basic realm="say \\"hi\\"", charset=UTF-8',
  );
  assert.deepEqual(cs.map((c) => c.scheme), ["negotiate", "basic"]);
  assert.equal(cs[1].params.realm, 'say "hi"');
  assert.equal(cs[1].params.charset, "UTF-8");
  assert.deepEqual(parseChallenges(""), []);
  assert.deepEqual(parseChallenges(",,  ,"), []);
});

Deno.test("digestAuthorization() matches RFC 7616 § 3.9.1 (MD5)", () => {
  const md5 = parseChallenges(RFC7616_HEADER)[1];
  const h = rfc7616(md5);
  assert.equal(param(h, "response"), "8ca523f5e9506fed4657c9700eebdbec");
  assert.match(h, /^Digest username="Mufasa", realm="http-auth@example.org"/);
  assert.match(h, /, algorithm=MD5, /);
  assert.match(h, /, qop=auth, nc=00000001, cnonce="f2\/wE4q74/);
  assert.match(h, /opaque="FQhe\/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"/);
});

Deno.test("digestAuthorization() matches RFC 7616 § 3.9.1 (SHA-256)", () => {
  const sha = parseChallenges(RFC7616_HEADER)[0];
  assert.equal(
    param(rfc7616(sha), "response"),
    "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
  );
});

Deno.test("digestAuthorization() matches RFC 2617 § 3.5 (MD5, qop=auth)", () => {
  const [c] = parseChallenges(
    'Digest realm="testrealm@host.com", qop="auth,auth-int", ' +
      'nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
  );
  const h = digestAuthorization({
    challenge: c,
    username: "Mufasa",
    password: "Circle Of Life",
    method: "GET",
    uri: "/dir/index.html",
    nc: 1,
    cnonce: "0a4f113b",
  });
  assert.equal(param(h, "response"), "6629fae49393a05397450978507c4ef1");
  assert.ok(
    !h.includes("algorithm="),
    "no algorithm when the server sent none",
  );
});

Deno.test("digestAuthorization() without qop uses the RFC 2069 form", () => {
  const [c] = parseChallenges('Digest realm="r", nonce="n"');
  const h = digestAuthorization({
    challenge: c,
    username: "u",
    password: "p",
    method: "GET",
    uri: "/x",
    nc: 1,
  });
  // MD5(MD5("u:r:p") + ":n:" + MD5("GET:/x")), computed independently with md5sum.
  assert.equal(param(h, "response"), "3042aef13752cb1d63f6787a080ffdfc");
  assert.ok(
    !h.includes("qop=") && !h.includes("nc=") && !h.includes("cnonce="),
  );
});

Deno.test("digestAuthorization() counts nonce uses and varies the cnonce", () => {
  const [c] = parseChallenges('Digest realm="r", nonce="n", qop="auth"');
  const base = {
    challenge: c,
    username: "u",
    password: "p",
    method: "GET",
    uri: "/",
  };
  const a = digestAuthorization({ ...base, nc: 1 });
  const b = digestAuthorization({ ...base, nc: 26 });
  assert.match(a, /nc=00000001/);
  assert.match(b, /nc=0000001a/);
  assert.notEqual(param(a, "cnonce"), param(b, "cnonce"));
});

Deno.test("digestAuthorization() -sess algorithms mix the nonces into HA1", () => {
  const [c] = parseChallenges(
    'Digest realm="r", nonce="n", qop="auth", algorithm=MD5-sess',
  );
  const base = {
    challenge: c,
    username: "u",
    password: "p",
    method: "GET",
    uri: "/",
    nc: 1,
    cnonce: "c",
  };
  const plain = parseChallenges('Digest realm="r", nonce="n", qop="auth"')[0];
  assert.notEqual(
    param(digestAuthorization(base), "response"),
    param(digestAuthorization({ ...base, challenge: plain }), "response"),
  );
  assert.match(digestAuthorization(base), /algorithm=MD5-sess/);
});

Deno.test("pickChallenge() prefers SHA-256 Digest, then MD5, then Basic", () => {
  assert.equal(
    pickChallenge(parseChallenges(RFC7616_HEADER))?.params.algorithm,
    "SHA-256",
  );
  const cs = parseChallenges(
    'Basic realm="b", Digest realm="d", nonce="n", qop="auth-int"',
  );
  assert.equal(canAnswer(cs[1]), false, "auth-int only is not supported");
  assert.equal(pickChallenge(cs)?.scheme, "basic");
  assert.equal(
    pickChallenge(
      parseChallenges('Digest realm="d", nonce="n", algorithm=SHA-512-256'),
    ),
    null,
  );
});

Deno.test("basicAuthorization() encodes UTF-8 credentials", () => {
  assert.equal(
    basicAuthorization("Aladdin", "open sesame"),
    "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
  );
  assert.equal(basicAuthorization("test", "123£"), "Basic dGVzdDoxMjPCow==");
});
