/**
 * Passes a request on to another local port and its answer back, as a reverse proxy does: for a
 * path of the gateway's origin that stands for a service on a port of its own (the chat page signs
 * in with Cognito through its own origin). The caller has checked who asks; the browser's headers
 * are not passed on, so the service sees a program on this machine.
 */
import { request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';

/** Headers a browser adds that say where the request came from: the gateway has judged them. */
const BROWSER_HEADERS = ['origin', 'referer', 'cookie', 'sec-fetch-site', 'sec-fetch-mode', 'sec-fetch-dest', 'sec-fetch-user'];
/** Headers of one connection, not of the message (RFC 9110 7.6.1): each hop sets its own. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection'];

/** Forwards `req` to `http://<hostPort><path>` and pipes the answer to `res`; resolves once it is sent. */
export function forwardRequest(req: IncomingMessage, res: ServerResponse, hostPort: string, path = '/'): Promise<void> {
  const headers: IncomingHttpHeaders = { ...req.headers, host: hostPort };
  for (const name of [...BROWSER_HEADERS, ...HOP_BY_HOP]) delete headers[name];
  const colon = hostPort.lastIndexOf(':');
  return new Promise((resolve) => {
    const upstream = request(
      { host: hostPort.slice(0, colon), port: Number(hostPort.slice(colon + 1)), method: req.method, path, headers },
      (answer) => {
        const answerHeaders = { ...answer.headers };
        for (const name of HOP_BY_HOP) delete answerHeaders[name];
        res.writeHead(answer.statusCode ?? 502, answerHeaders);
        answer.pipe(res);
        answer.once('end', resolve);
      },
    );
    upstream.once('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `The local service at ${hostPort} did not answer: ${err.message}` }));
      resolve();
    });
    req.pipe(upstream);
  });
}
