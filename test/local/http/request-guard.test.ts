import { fromBrowser, hostAllowed } from '../../../local/http/request-guard';

describe('hostAllowed', () => {
  test.each([
    ['127.0.0.1:3001', '127.0.0.1'],
    ['localhost:3001', '127.0.0.1'],
    ['[::1]:3001', '::1'],
    ['192.168.1.20:3001', '192.168.1.20'],
    ['LOCALHOST', '0.0.0.0'],
  ])('accepts Host %s when listening on %s', (host, listen) => {
    expect(hostAllowed(host, listen)).toBe(true);
  });

  test.each([
    ['attacker.example:3001', '127.0.0.1'],
    ['attacker.example', '0.0.0.0'],
    ['192.168.1.20:3001', '0.0.0.0'],
    ['192.168.1.21:3001', '192.168.1.20'],
    ['', '127.0.0.1'],
    [undefined, '127.0.0.1'],
  ])('refuses Host %s when listening on %s', (host, listen) => {
    expect(hostAllowed(host, listen)).toBe(false);
  });
});

describe('fromBrowser', () => {
  test('a request with Origin or Sec-Fetch-Site comes from a page', () => {
    expect(fromBrowser({ origin: 'https://evil.example' })).toBe(true);
    expect(fromBrowser({ 'sec-fetch-site': 'cross-site' })).toBe(true);
  });

  test('an SDK or curl request carries neither', () => {
    expect(fromBrowser({ host: '127.0.0.1:3001', 'user-agent': 'aws-sdk-js/3', 'content-type': 'application/json' })).toBe(false);
  });
});
