/** A user pool's password policy, checked as Cognito checks AdminSetUserPassword and new passwords. */
import type { PasswordPolicySpec } from '../../assembly/app-spec';

/** The characters Cognito counts as symbols (its password policy documentation lists them). */
const SYMBOLS = new Set('^$*.[]{}()?"!@#%&/\\,><\':;|_~`=+- ');

/** Why `password` breaks `policy`, in Cognito's words, or undefined when it conforms. */
export function passwordProblem(policy: PasswordPolicySpec, password: string): string | undefined {
  const problems: Array<[boolean, string]> = [
    [[...password].length < policy.minimumLength, 'Password not long enough'],
    [policy.requireLowercase && !/[a-z]/.test(password), 'Password must have lowercase characters'],
    [policy.requireUppercase && !/[A-Z]/.test(password), 'Password must have uppercase characters'],
    [policy.requireNumbers && !/[0-9]/.test(password), 'Password must have numeric characters'],
    [policy.requireSymbols && ![...password].some((c) => SYMBOLS.has(c)), 'Password must have symbol characters'],
  ];
  const problem = problems.find(([broken]) => broken);
  return problem && `Password did not conform with policy: ${problem[1]}`;
}
