-- 0006: API tokens may expire (docs/design/security.md § Review findings #11).

ALTER TABLE api_tokens
  ADD COLUMN expires_at timestamptz;  -- refused from this moment on; NULL = until revoked

COMMENT ON COLUMN api_tokens.expires_at IS
  'the token is refused from this moment on; NULL = valid until revoked';
