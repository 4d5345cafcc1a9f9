// allowedOutboundHosts as pure logic: every Spin form, and each way a guest might try to get around the
// list (IP literal, other port or scheme, userinfo, a Host header naming another authority).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OutboundPolicy, outboundTarget } from '../../src/host/outbound/policy.ts';
import { parseOutboundPattern } from '../../src/manifest/outbound-hosts.ts';

function allowed(list: string[], scheme: string, authority: string, host?: string): boolean {
  const t = outboundTarget(scheme, authority, '/x');
  if (!t.ok) return false;
  return new OutboundPolicy(list).check(t.target, host).ok;
}

describe('allowedOutboundHosts forms', () => {
  test('https://api.example.com: that origin on 443 only', () => {
    const l = ['https://api.example.com'];
    assert.ok(allowed(l, 'https', 'api.example.com'));
    assert.ok(allowed(l, 'https', 'API.Example.com:443'));
    assert.ok(!allowed(l, 'https', 'api.example.com:8443'), 'other port');
    assert.ok(!allowed(l, 'http', 'api.example.com'), 'other scheme');
    assert.ok(!allowed(l, 'https', 'other.example.com'));
    assert.ok(!allowed(l, 'https', 'api.example.com.evil.net'));
  });

  test('https://api.example.com:8443: that port only', () => {
    const l = ['https://api.example.com:8443'];
    assert.ok(allowed(l, 'https', 'api.example.com:8443'));
    assert.ok(!allowed(l, 'https', 'api.example.com'));
  });

  test('https://*.example.com: any subdomain, not the bare domain nor a look-alike', () => {
    const l = ['https://*.example.com'];
    assert.ok(allowed(l, 'https', 'api.example.com'));
    assert.ok(allowed(l, 'https', 'a.b.example.com'));
    assert.ok(!allowed(l, 'https', 'example.com'));
    assert.ok(!allowed(l, 'https', 'evilexample.com'));
    assert.ok(!allowed(l, 'http', 'api.example.com'));
  });

  test('http://payments: the service by name, also as Spin writes it', () => {
    const l = ['http://payments'];
    assert.ok(allowed(l, 'http', 'payments'));
    assert.ok(allowed(l, 'http', 'payments.spin.internal'));
    assert.ok(!allowed(l, 'http', 'payments:8080'));
    assert.ok(!allowed(l, 'https', 'payments'));
    assert.ok(!allowed(l, 'http', 'self'), 'self must be listed itself');
  });

  test('*://*:* allows anything; no entry allows nothing', () => {
    assert.ok(allowed(['*://*:*'], 'http', '10.0.0.1:1234'));
    assert.ok(allowed(['*://*:*'], 'https', 'anything.example'));
    assert.ok(!allowed([], 'http', 'payments'));
    assert.ok(!new OutboundPolicy([]).allowsAny);
  });

  test('port ranges and wildcards parse; bad forms are refused with a fix', () => {
    assert.deepEqual(parseOutboundPattern('http://localhost:8000..8999').ports, [8000, 8999]);
    assert.deepEqual(parseOutboundPattern('http://localhost:*').ports, [1, 65535]);
    assert.ok(allowed(['http://localhost:8000..8999'], 'http', 'localhost:8123'));
    assert.ok(!allowed(['http://localhost:8000..8999'], 'http', 'localhost:9000'));
    for (const bad of [
      'ftp://x',
      '*://x',
      'https://api.example.com/v1',
      'http://a*b.com',
      'http://x:0',
      'http://x:9..1',
    ]) {
      assert.throws(() => parseOutboundPattern(bad), /BAD_ARGUMENT|not|bad|scheme|port/, bad);
    }
  });
});

describe('bypass attempts', () => {
  test('an IP literal is not the host name it may resolve to, in any spelling', () => {
    const l = ['http://localhost:8080'];
    assert.ok(!allowed(l, 'http', '127.0.0.1:8080'));
    assert.ok(!allowed(l, 'http', '[::1]:8080'));
    // Spellings the URL parser turns into the same address match only an entry for that address.
    assert.ok(allowed(['http://127.0.0.1:8080'], 'http', '2130706433:8080'));
    assert.ok(!allowed(['http://10.0.0.1'], 'http', '2130706433'));
  });

  test('userinfo in the authority is refused outright', () => {
    assert.equal(outboundTarget('https', 'api.example.com@evil.net', '/').ok, false);
    assert.equal(outboundTarget('https', 'user:pw@api.example.com', '/').ok, false);
  });

  test('a path cannot change the origin', () => {
    assert.equal(outboundTarget('https', 'api.example.com', '@evil.net/').ok, false);
    assert.equal(outboundTarget('https', 'api.example.com', '//evil.net/').ok, true);
    const t = outboundTarget('https', 'api.example.com', '//evil.net/');
    assert.ok(t.ok && t.target.url.host === 'api.example.com');
  });

  test('a Host header must name the authority', () => {
    const l = ['https://api.example.com'];
    assert.ok(allowed(l, 'https', 'api.example.com', 'api.example.com'));
    assert.ok(allowed(l, 'https', 'api.example.com', 'API.example.com:443'));
    assert.ok(!allowed(l, 'https', 'api.example.com', 'internal.example.com'));
  });

  test('other schemes are refused', () => {
    assert.equal(outboundTarget('ftp', 'api.example.com', '/').ok, false);
  });
});
