import { isLoopback } from '../../../local/http/loopback';

describe('isLoopback', () => {
  test.each([
    '127.0.0.1',
    '127.1.2.3',
    'localhost',
    'LOCALHOST',
    'app.localhost',
    '::1',
    '::ffff:127.0.0.1',
    '127.0.0.1:3001',
    'localhost:3001',
    '[::1]:3001',
    '[::1]',
  ])('%s is loopback', (value) => {
    expect(isLoopback(value)).toBe(true);
  });

  test.each([
    '0.0.0.0',
    '::',
    '192.168.1.10',
    '10.0.0.1',
    'example.com',
    'localhost.example.com',
    '127.0.0.1.nip.io',
    '::ffff:10.0.0.1',
    '[::2]:80',
    'evil.com:3001',
    '',
  ])('%s is not loopback', (value) => {
    expect(isLoopback(value)).toBe(false);
  });

  test('an absent value is not loopback', () => {
    expect(isLoopback(undefined)).toBe(false);
  });
});
