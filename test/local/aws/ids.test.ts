import { formatRequestTime, localApiId, newEventId } from '../../../local/aws/ids';
import { RECORDED } from '../fixtures/recorded-events';

describe('ids', () => {
  test('event ids look like API Gateway ids: 16 characters ending in "="', () => {
    const ids = new Set(Array.from({ length: 200 }, () => newEventId()));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(RECORDED.idPattern);
  });

  test('requestTime uses the API Gateway format in UTC', () => {
    // GIVEN the epoch of a recorded event (11/Nov/2024:13:45:46 +0000)
    expect(formatRequestTime(1731332746514)).toBe('11/Nov/2024:13:45:46 +0000');
    expect(formatRequestTime(Date.UTC(2025, 0, 5, 3, 4, 5))).toBe('05/Jan/2025:03:04:05 +0000');
  });

  test('requestTime follows the second it is asked for, also back and forth across one', () => {
    expect(formatRequestTime(1731332746000)).toBe('11/Nov/2024:13:45:46 +0000');
    expect(formatRequestTime(1731332746999)).toBe('11/Nov/2024:13:45:46 +0000');
    expect(formatRequestTime(1731332747000)).toBe('11/Nov/2024:13:45:47 +0000');
    expect(formatRequestTime(1731332746999)).toBe('11/Nov/2024:13:45:46 +0000');
    expect(formatRequestTime(Date.UTC(2024, 11, 31, 23, 59, 59, 999))).toBe('31/Dec/2024:23:59:59 +0000');
    expect(formatRequestTime(Date.UTC(2025, 0, 1))).toBe('01/Jan/2025:00:00:00 +0000');
  });

  test('local API ids are stable, 10 lowercase characters', () => {
    expect(localApiId('Stack', 'Api')).toBe(localApiId('Stack', 'Api'));
    expect(localApiId('Stack', 'Api')).not.toBe(localApiId('Other', 'Api'));
    expect(localApiId('Stack', 'Api')).toMatch(/^[a-z0-9]{10}$/);
  });
});
