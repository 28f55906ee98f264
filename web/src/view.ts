import type { RoomMember, RoomMessage } from '../../protocol';
import { ROOM_NAME } from '../../protocol/limits';
import type { Identity } from './identity';
import type { StatusClass } from './status';

/** What the person chose in the sign-in form. */
export type SignInChoice = { readonly kind: 'password'; readonly username: string; readonly password: string } | { readonly kind: 'guest' };

/** How the sign-in form presents itself. */
export interface SignInPrompt {
  /** Where the token will be used, so a crafted link to someone else's server is visible. */
  readonly websocketUrl: string;
  /** Offer "Continue as guest" (the emulator's guest tokens). */
  readonly guest: boolean;
  /** A line under the form, e.g. the emulator's local password. */
  readonly hint?: string;
  /** Why the previous attempt failed. */
  readonly error?: string;
}

/** A line of our own, sent from this page: confirmed or failed once the server answers. */
export interface OwnLine {
  readonly element: HTMLLIElement;
  /** The server acknowledged it; `details` says how it went (e.g. "delivered to 2"). */
  confirm(details: string): void;
  /** It was refused, or never sent. */
  fail(reason: string): void;
  /** The connection closed before the acknowledgement: it may or may not have reached the room. */
  unconfirmed(reason: string): void;
  /** The room's copy of it came back (a replay or history fill) with its `seq`: it did reach the room. */
  stored(seq: number): void;
}

/** The name our own lines carry, in place of our user id. */
export const SELF_NAME = 'you';

/** The chat page's DOM: renders what happens and reports what the user asks for. Knows nothing of WebSockets. */
export class ChatView {
  private readonly status: HTMLElement;
  private readonly statusText: HTMLElement;
  private readonly whoami: HTMLElement;
  private readonly errorBanner: HTMLElement;
  private readonly errorText: HTMLElement;
  private readonly log: HTMLOListElement;
  private readonly roomList: HTMLUListElement;
  private readonly target: HTMLSelectElement;
  private readonly roomInput: HTMLInputElement;
  private readonly messageInput: HTMLInputElement;
  private readonly typing: HTMLElement;
  private readonly typists = new Map<string, string>();
  private readonly members = new Map<string, readonly RoomMember[]>();
  private rooms: readonly string[] = [];
  private selfId: string | undefined;
  private leaveHandler: (room: string) => void = () => undefined;

  constructor(private readonly doc: Document) {
    this.status = this.byId('status');
    this.statusText = this.byId('status-text');
    this.whoami = this.byId('whoami');
    this.errorBanner = this.byId('error');
    this.errorText = this.byId('error-text');
    this.log = this.byId('log');
    this.roomList = this.byId('room-list');
    this.target = this.byId('target');
    this.roomInput = this.byId('room-input');
    // The protocol's room-name rule, so the browser refuses a bad name before a join is sent.
    this.roomInput.pattern = ROOM_NAME.inputPattern;
    this.roomInput.title = ROOM_NAME.description;
    this.messageInput = this.byId('message-input');
    this.typing = this.byId('typing');
    this.byId('error-dismiss').addEventListener('click', () => this.clearError());
  }

  onJoin(handler: (room: string) => void): void {
    this.byId<HTMLFormElement>('join-form').addEventListener('submit', (event) => {
      event.preventDefault();
      handler(this.roomInput.value.trim());
    });
  }

  onLeave(handler: (room: string) => void): void {
    this.leaveHandler = handler;
  }

  /** `handler` returns true when the message was accepted, so the box is cleared. */
  onSend(handler: (text: string, room: string | undefined) => boolean): void {
    this.byId<HTMLFormElement>('send-form').addEventListener('submit', (event) => {
      event.preventDefault();
      if (handler(this.messageInput.value, this.target.value || undefined)) this.messageInput.value = '';
    });
  }

  /** `handler` is told the message box's target room (undefined: echo) each time the person types in it. */
  onTyping(handler: (room: string | undefined) => void): void {
    this.messageInput.addEventListener('input', () => handler(this.target.value || undefined));
  }

  /** Shows who we are, by name, with the user id on hover; undefined for a connection without a token. */
  setIdentity(identity: Identity | undefined): void {
    this.selfId = identity?.userId;
    this.whoami.replaceChildren();
    if (!identity) {
      this.whoami.append('You are ', this.span('name', 'guest'), ' (no sign-in)');
    } else {
      this.whoami.append('You are ', this.named('name', identity.name, identity.userId));
    }
    this.renderRooms();
  }

  /** "alice is typing…" under the log, for a room (an empty text clears it). */
  setTyping(room: string, text: string): void {
    if (text === '') this.typists.delete(room);
    else this.typists.set(room, text);
    this.typing.replaceChildren(
      ...[...this.typists].map(([name, line]) => {
        const item = this.doc.createElement('span');
        item.dataset.room = name;
        item.append(this.span('room', `#${name}`), ' ', this.span('text', line));
        return item;
      }),
    );
  }

  /** Shows the sign-in form and resolves with what the person chose; the form stays until {@link hideSignIn}. */
  askSignIn(prompt: SignInPrompt): Promise<SignInChoice> {
    const section = this.byId('sign-in');
    const form = this.byId<HTMLFormElement>('sign-in-form');
    const username = this.byId<HTMLInputElement>('username');
    const password = this.byId<HTMLInputElement>('password');
    const guest = this.byId<HTMLButtonElement>('guest');
    const hint = this.byId('sign-in-hint');
    const error = this.byId('sign-in-error');
    this.byId('sign-in-target').textContent = `Your token will be sent to ${prompt.websocketUrl}`;
    guest.hidden = !prompt.guest;
    hint.hidden = prompt.hint === undefined;
    hint.textContent = prompt.hint ?? '';
    error.hidden = prompt.error === undefined;
    error.textContent = prompt.error ?? '';
    password.value = '';
    section.hidden = false;
    // Nothing to chat with until signed in: hiding the chat also keeps its forms from being submitted.
    this.byId('chat').hidden = true;
    (username.value ? password : username).focus();
    return new Promise((resolve) => {
      const done = (choice: SignInChoice) => {
        form.removeEventListener('submit', onSubmit);
        guest.removeEventListener('click', onGuest);
        resolve(choice);
      };
      const onSubmit = (event: Event) => {
        event.preventDefault();
        done({ kind: 'password', username: username.value.trim(), password: password.value });
      };
      const onGuest = () => done({ kind: 'guest' });
      form.addEventListener('submit', onSubmit);
      guest.addEventListener('click', onGuest);
    });
  }

  hideSignIn(): void {
    this.byId<HTMLInputElement>('password').value = '';
    this.byId('sign-in').hidden = true;
    this.byId('chat').hidden = false;
  }

  setStatus(state: StatusClass, text: string): void {
    this.status.dataset.state = state;
    if (this.statusText.textContent !== text) this.statusText.textContent = text;
  }

  showError(text: string): void {
    this.errorText.textContent = text;
    this.errorBanner.hidden = false;
  }

  clearError(): void {
    this.errorBanner.hidden = true;
    this.errorText.textContent = '';
  }

  /** A message we are sending: "you: text", then how it went. */
  addOwnMessage(room: string | undefined, text: string, sentAt: number): OwnLine {
    const item = this.entry('own pending');
    if (room !== undefined) item.dataset.room = room;
    const details = this.span('details', ' (sending…)');
    if (room !== undefined) item.append(this.span('room', `#${room}`));
    item.append(this.span('from', SELF_NAME), ': ', this.span('text', text), this.time(sentAt), details);
    const settle = (state: string, text: string) => {
      item.classList.remove('pending', 'failed', 'unconfirmed');
      if (state) item.classList.add(state);
      details.textContent = ` (${text})`;
    };
    return {
      element: item,
      confirm: (text) => settle('', text),
      fail: (reason) => settle('failed', `not sent: ${reason}`),
      unconfirmed: (reason) => settle('unconfirmed', `not confirmed: ${reason}`),
      stored: (seq) => {
        item.dataset.seq = String(seq);
        // An acknowledgement says more (how many it reached); without one, this is the proof it arrived.
        if (!item.classList.contains('pending') && !item.classList.contains('unconfirmed')) return;
        settle('', 'delivered');
      },
    };
  }

  /**
   * A room message: from another member, or ours from elsewhere (another tab, history, a replay).
   * The sender shows by its display name, its id on hover; a backend's message is marked as one.
   * With `before`, it goes above that line (history above the room's "Joined" line).
   */
  addRoomMessage(message: RoomMessage, options: { history?: boolean; before?: Element } = {}): HTMLLIElement {
    const own = message.from === this.selfId && !message.publisher;
    const item = this.doc.createElement('li');
    item.className = ['room-message', own ? 'own' : '', message.publisher ? 'published' : '', options.history ? 'history' : '']
      .filter(Boolean)
      .join(' ');
    item.dataset.room = message.room;
    item.dataset.seq = String(message.seq);
    const from = message.publisher
      ? this.named('from', message.from, 'Published by a backend, not sent by a member')
      : this.named('from', own ? SELF_NAME : (message.fromName ?? message.from), message.from);
    item.append(this.span('room', `#${message.room}`), from);
    if (message.publisher) item.append(' ', this.span('badge', 'service'));
    item.append(': ', this.span('text', message.data), this.time(message.ts));
    this.place(item, options.before);
    return item;
  }

  addSystem(text: string): HTMLLIElement {
    const item = this.entry('system');
    item.textContent = text;
    return item;
  }

  addError(code: string, message: string): void {
    this.entry('error').textContent = `${code}: ${message}`;
    this.showError(`${code}: ${message}`);
  }

  /** Shows the joined rooms, each with its members and a Leave button, and offers them as message targets. */
  setRooms(rooms: readonly string[], select?: string): void {
    this.rooms = rooms;
    for (const room of this.members.keys()) if (!rooms.includes(room)) this.members.delete(room);
    this.renderRooms();
    const current = select ?? this.target.value;
    const echo = this.doc.createElement('option');
    echo.value = '';
    echo.textContent = 'Echo (no room)';
    this.target.replaceChildren(
      echo,
      ...rooms.map((room) => {
        const option = this.doc.createElement('option');
        option.value = room;
        option.textContent = `#${room}`;
        return option;
      }),
    );
    this.target.value = rooms.includes(current) ? current : '';
  }

  /** The members of a joined room, as the server last said. */
  setMembers(room: string, members: readonly RoomMember[]): void {
    this.members.set(room, members);
    this.renderRooms();
  }

  private renderRooms(): void {
    this.roomList.replaceChildren(
      ...this.rooms.map((room) => {
        const item = this.doc.createElement('li');
        item.dataset.room = room;
        const leave = this.doc.createElement('button');
        leave.type = 'button';
        leave.textContent = 'Leave';
        leave.setAttribute('aria-label', `Leave ${room}`);
        leave.addEventListener('click', () => this.leaveHandler(room));
        const heading = this.doc.createElement('div');
        heading.className = 'room-heading';
        heading.append(this.span('name', `#${room}`), leave);
        const list = this.doc.createElement('ul');
        list.className = 'members';
        list.setAttribute('aria-label', `Members of ${room}`);
        const nameOf = (member: RoomMember) => member.name ?? member.userId;
        const members = [...(this.members.get(room) ?? [])].sort(
          (a, b) => nameOf(a).localeCompare(nameOf(b)) || a.userId.localeCompare(b.userId),
        );
        list.append(
          ...members.map((member) => {
            const entry = this.doc.createElement('li');
            entry.dataset.userId = member.userId;
            entry.append(this.named('name', nameOf(member), member.userId));
            if (member.userId === this.selfId) entry.append(' (you)');
            if (member.connections > 1) entry.append(this.span('connections', ` ×${member.connections}`));
            return entry;
          }),
        );
        item.append(heading, list);
        return item;
      }),
    );
  }

  private entry(kind: string): HTMLLIElement {
    const item = this.doc.createElement('li');
    item.className = kind;
    this.place(item);
    return item;
  }

  private place(item: HTMLLIElement, before?: Element): void {
    if (before && before.parentNode === this.log) this.log.insertBefore(item, before);
    else this.log.append(item);
    item.scrollIntoView({ block: 'end' });
  }

  /** A time of day, from ms since the epoch. */
  private time(at: number): HTMLTimeElement {
    const time = this.doc.createElement('time');
    const date = new Date(at);
    time.dateTime = date.toISOString();
    time.textContent = date.toLocaleTimeString();
    return time;
  }

  /** A name as people read it, with what identifies it (a user id) on hover. */
  private named(className: string, name: string, title: string): HTMLSpanElement {
    const span = this.span(className, name);
    span.title = title;
    return span;
  }

  private span(className: string, text: string): HTMLSpanElement {
    const span = this.doc.createElement('span');
    span.className = className;
    span.textContent = text;
    return span;
  }

  private byId<T extends HTMLElement>(id: string): T {
    const element = this.doc.getElementById(id);
    if (!element) throw new Error(`The page has no #${id} element; web/index.html and web/src/view.ts disagree.`);
    return element as T;
  }
}
