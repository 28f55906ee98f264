import { accessLogLine, invocationLogLine } from '../../../local/gateway/access-log';

test('lines keep their columns whatever the event and route', () => {
  expect(accessLogLine('OPEN', '', 'BFaT_fALIAMCKug=', '101')).toBe('OPEN                    BFaT_fALIAMCKug= 101');
  expect(accessLogLine('AUTHORIZER', '$connect', 'BFaT_fALIAMCKug=', '401 (identity source missing)')).toBe(
    'AUTHORIZER $connect     BFaT_fALIAMCKug= 401 (identity source missing)',
  );
  expect(invocationLogLine('MESSAGE', 'sendmessage', 'BFaT_fALIAMCKug=', 200, 1.234)).toBe(
    'MESSAGE    sendmessage  BFaT_fALIAMCKug= 200 1.2ms',
  );
});
