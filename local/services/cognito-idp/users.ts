/**
 * The users an app created in one user pool (AdminCreateUser), kept in memory for the emulator's
 * life. Each user is in one state, as Cognito reports it in `UserStatus`: created with a temporary
 * password (or none) they are FORCE_CHANGE_PASSWORD until a permanent password is set, then CONFIRMED.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { UserPoolSpec } from '../../assembly/app-spec';
import { AwsJsonError } from '../json-protocol';
import { passwordProblem } from './password-policy';

export type UserStatus = 'FORCE_CHANGE_PASSWORD' | 'CONFIRMED';

/** A user as Cognito describes one. */
export interface PoolUser {
  readonly username: string;
  /** The `sub` attribute: a UUID Cognito gives every user, and the `sub` of their tokens. */
  readonly sub: string;
  /** Their other attributes (email, custom:...), by name. */
  readonly attributes: Readonly<Record<string, string>>;
  readonly status: UserStatus;
  readonly enabled: boolean;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  readonly modifiedAt: number;
}

/** What a sign-in with a user name and password comes to. */
export type PasswordCheck =
  | { readonly outcome: 'signed-in'; readonly user: PoolUser }
  /** The password is the temporary one: Cognito answers the NEW_PASSWORD_REQUIRED challenge. */
  | { readonly outcome: 'new-password-required'; readonly user: PoolUser }
  | { readonly outcome: 'wrong-password' }
  | { readonly outcome: 'no-such-user' };

interface StoredUser extends PoolUser {
  /** A salted digest, never the password: the folder a heap dump lands in is not a password store. */
  readonly password?: { readonly salt: Buffer; readonly digest: Buffer };
}

export class UserDirectory {
  private readonly users = new Map<string, StoredUser>();

  constructor(
    private readonly pool: Pick<UserPoolSpec, 'poolId' | 'passwordPolicy' | 'caseSensitive'>,
    private readonly now: () => number,
  ) {}

  /** AdminCreateUser: a new user in FORCE_CHANGE_PASSWORD, with the temporary password if one is given. */
  create(username: string, attributes: Readonly<Record<string, string>>, temporaryPassword?: string): PoolUser {
    const key = this.keyOf(username);
    if (this.users.has(key)) throw new AwsJsonError('UsernameExistsException', 'User account already exists');
    if (temporaryPassword !== undefined) this.checkPolicy(temporaryPassword);
    const now = this.now();
    const user: StoredUser = {
      username,
      sub: randomUUID(),
      attributes: { ...attributes },
      status: 'FORCE_CHANGE_PASSWORD',
      enabled: true,
      createdAt: now,
      modifiedAt: now,
      password: temporaryPassword === undefined ? undefined : hashPassword(temporaryPassword),
    };
    this.users.set(key, user);
    return publicUser(user);
  }

  /** AdminSetUserPassword: a permanent password confirms the user; a temporary one sends them back to FORCE_CHANGE_PASSWORD. */
  setPassword(username: string, password: string, permanent: boolean): void {
    const user = this.existing(username);
    this.checkPolicy(password);
    this.users.set(this.keyOf(username), {
      ...user,
      status: permanent ? 'CONFIRMED' : 'FORCE_CHANGE_PASSWORD',
      modifiedAt: this.now(),
      password: hashPassword(password),
    });
  }

  /** The user, or UserNotFoundException as Cognito answers it. */
  get(username: string): PoolUser {
    return publicUser(this.existing(username));
  }

  /** Whether the pool has this user. */
  has(username: string): boolean {
    return this.users.has(this.keyOf(username));
  }

  delete(username: string): void {
    this.existing(username);
    this.users.delete(this.keyOf(username));
  }

  /** Checks a sign-in's password. */
  checkPassword(username: string, password: string): PasswordCheck {
    const user = this.users.get(this.keyOf(username));
    if (!user) return { outcome: 'no-such-user' };
    if (!user.password || !passwordMatches(user.password, password)) return { outcome: 'wrong-password' };
    return { outcome: user.status === 'CONFIRMED' ? 'signed-in' : 'new-password-required', user: publicUser(user) };
  }

  private existing(username: string): StoredUser {
    const user = this.users.get(this.keyOf(username));
    if (!user) throw new AwsJsonError('UserNotFoundException', 'User does not exist.');
    return user;
  }

  private checkPolicy(password: string): void {
    const problem = passwordProblem(this.pool.passwordPolicy, password);
    if (problem) throw new AwsJsonError('InvalidPasswordException', problem);
  }

  private keyOf(username: string): string {
    return this.pool.caseSensitive ? username : username.toLowerCase();
  }
}

function publicUser(user: StoredUser): PoolUser {
  const { password: _password, ...rest } = user;
  return rest;
}

function hashPassword(password: string): { salt: Buffer; digest: Buffer } {
  const salt = randomBytes(16);
  return { salt, digest: createHash('sha256').update(salt).update(password).digest() };
}

function passwordMatches(stored: { salt: Buffer; digest: Buffer }, password: string): boolean {
  return timingSafeEqual(stored.digest, createHash('sha256').update(stored.salt).update(password).digest());
}
