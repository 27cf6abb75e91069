/**
 * JSON-RPC over `node:http` with keep-alive connections, for the chain connectors a router runs.
 * The FISCO BCOS RPC client defaults to `fetch`, all a service worker has; in Node, `fetch` builds
 * WHATWG requests, headers and body streams for every call and spends several times the CPU of
 * `node:http` on a small JSON-RPC exchange, and a router makes one such exchange per read.
 */
import http from 'node:http';
import https from 'node:https';
import type { HttpPost } from '../chains/fisco-bcos/rpc-client.ts';

export interface HttpPostOptions {
  /** Connections kept open to one node at most; more requests wait for a free one. */
  maxSockets?: number;
  /**
   * An idle connection is closed after this long, before a node's own keep-alive timeout
   * (often 5 s) could close it under a request just being sent.
   */
  idleMs?: number;
}

export function nodeHttpPost(options: HttpPostOptions = {}): HttpPost {
  const settings = {
    keepAlive: true,
    maxSockets: options.maxSockets ?? 64,
    timeout: options.idleMs ?? 4_000,
  };
  const agents = { http: new http.Agent(settings), https: new https.Agent(settings) };
  return (url, body, { signal }) =>
    new Promise((resolve, reject) => {
      const secure = url.startsWith('https:');
      const send = secure ? https.request : http.request;
      const request = send(
        url,
        {
          method: 'POST',
          agent: secure ? agents.https : agents.http,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          signal,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
          );
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(body);
    });
}
