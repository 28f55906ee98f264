import { SwitchboardError, connect, isRoomMessage } from '../../client';
import { fetchJson, resolveConnection } from './config';
import { ChatView } from './view';

/** Wires the client's events to the view, and the view's requests to the client. */
async function main(): Promise<void> {
  const view = new ChatView(document);
  let connection;
  try {
    connection = await resolveConnection(location.href, fetchJson);
  } catch (err: unknown) {
    view.setStatus('closed', 'Not connected');
    view.addError('CONFIG', err instanceof Error ? err.message : String(err));
    return;
  }

  const client = connect(connection.websocketUrl, { token: connection.token });
  view.setStatus('connecting', `Connecting to ${connection.websocketUrl}…`);

  client.on('open', ({ reconnect }) => {
    view.setStatus('open', 'Connected');
    view.addSystem(reconnect ? 'Reconnected.' : `Connected to ${connection.websocketUrl}.`);
  });
  client.on('close', ({ code, willReconnect }) => {
    if (!willReconnect) view.setStatus('closed', `Disconnected (code ${code})`);
  });
  client.on('reconnecting', ({ attempt, delayMs }) => {
    view.setStatus('reconnecting', `Reconnecting (attempt ${attempt}, in ${(delayMs / 1000).toFixed(1)} s)…`);
  });
  client.on('message', (frame) => (isRoomMessage(frame) ? view.addRoomMessage(frame) : view.addAck(frame)));
  client.on('joined', ({ room }) => {
    view.setRooms([...client.rooms], room);
    view.addSystem(`Joined #${room}.`);
  });
  client.on('left', ({ room }) => {
    view.setRooms([...client.rooms]);
    view.addSystem(`Left #${room}.`);
  });
  client.on('error', (err) => view.addError(err.code, err.message));
  client.on('dropped', ({ frame, reason }) =>
    view.addError(
      'DROPPED',
      `A "${frame.action}" frame was not sent: ${reason === 'queue-full' ? 'too many were waiting for the connection' : 'the client closed'}.`,
    ),
  );

  // Server errors arrive as `error` events; only errors raised here, before sending, need showing.
  const attempt = (send: () => void): boolean => {
    try {
      send();
      view.clearError();
      return true;
    } catch (err: unknown) {
      if (err instanceof SwitchboardError) view.addError(err.code, err.message);
      else throw err;
      return false;
    }
  };
  view.onJoin((room) => attempt(() => client.send('join', { room })));
  view.onLeave((room) => attempt(() => client.send('leave', { room })));
  view.onSend((data, room) => attempt(() => client.send('message', room === undefined ? { data } : { data, room })));
}

void main();
