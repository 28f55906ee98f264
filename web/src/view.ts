import type { MessageAck, RoomMessage } from '../../client';

export type StatusState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** The chat page's DOM: renders what happens and reports what the user asks for. Knows nothing of WebSockets. */
export class ChatView {
  private readonly status: HTMLElement;
  private readonly statusText: HTMLElement;
  private readonly errorBanner: HTMLElement;
  private readonly errorText: HTMLElement;
  private readonly log: HTMLOListElement;
  private readonly roomList: HTMLUListElement;
  private readonly target: HTMLSelectElement;
  private readonly roomInput: HTMLInputElement;
  private readonly messageInput: HTMLInputElement;
  private leaveHandler: (room: string) => void = () => undefined;

  constructor(private readonly doc: Document) {
    this.status = this.byId('status');
    this.statusText = this.byId('status-text');
    this.errorBanner = this.byId('error');
    this.errorText = this.byId('error-text');
    this.log = this.byId('log');
    this.roomList = this.byId('room-list');
    this.target = this.byId('target');
    this.roomInput = this.byId('room-input');
    this.messageInput = this.byId('message-input');
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

  setStatus(state: StatusState, text: string): void {
    this.status.dataset.state = state;
    this.statusText.textContent = text;
  }

  showError(text: string): void {
    this.errorText.textContent = text;
    this.errorBanner.hidden = false;
  }

  clearError(): void {
    this.errorBanner.hidden = true;
    this.errorText.textContent = '';
  }

  addAck(ack: MessageAck): void {
    const details: string[] = [];
    if (ack.delivered !== undefined) details.push(`delivered to ${ack.delivered}`);
    if (ack.failed !== undefined) details.push(`failed for ${ack.failed}`);
    const item = this.entry('ack');
    item.append(this.span('text', ack.data));
    if (details.length > 0) item.append(this.span('details', ` (${details.join(', ')})`));
  }

  addRoomMessage(message: RoomMessage): void {
    const item = this.entry('room-message');
    const time = this.doc.createElement('time');
    const sent = new Date(message.ts);
    time.dateTime = sent.toISOString();
    time.textContent = sent.toLocaleTimeString();
    item.append(this.span('room', `#${message.room}`), this.span('from', message.from), ': ', this.span('text', message.data), time);
  }

  addSystem(text: string): void {
    this.entry('system').textContent = text;
  }

  addError(code: string, message: string): void {
    this.entry('error').textContent = `${code}: ${message}`;
    this.showError(`${code}: ${message}`);
  }

  /** Shows the joined rooms, each with a Leave button, and offers them as message targets. */
  setRooms(rooms: readonly string[], select?: string): void {
    this.roomList.replaceChildren(
      ...rooms.map((room) => {
        const item = this.doc.createElement('li');
        const leave = this.doc.createElement('button');
        leave.type = 'button';
        leave.textContent = 'Leave';
        leave.setAttribute('aria-label', `Leave ${room}`);
        leave.addEventListener('click', () => this.leaveHandler(room));
        item.append(this.span('name', `#${room}`), leave);
        return item;
      }),
    );
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

  private entry(kind: string): HTMLLIElement {
    const item = this.doc.createElement('li');
    item.className = kind;
    this.log.append(item);
    item.scrollIntoView({ block: 'end' });
    return item;
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
