/**
 * The worker's page lanes (background/provider/page-lanes.ts) with real MessageChannels: the port
 * goes to the offered frame only, once; the lane serves nothing before the relay switches over on
 * its runtime port; it answers as the runtime port would (JSON text, same answer function); a page
 * that loads the frame URL too, or asks with another frame, gets nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type LaneClient, PageLanes } from '../../../background/provider/page-lanes.ts';
import { LANE_HANDOVER, LANE_READY } from '../../../content/lane-protocol.ts';
import type { PortResponse } from '../../../content/provider-protocol.ts';

const FRAME = 'chrome-extension://abcdefghijklmnopabcdefghijklmnop/lane.html';

/** A frame among the worker's clients: keeps the ports posted to it. */
function frameAt(url: string) {
  const got: MessagePort[] = [];
  const client: LaneClient = {
    url,
    postMessage(message, transfer) {
      assert.equal(message, LANE_HANDOVER);
      got.push(transfer[0] as MessagePort);
    },
  };
  return { client, got };
}

function setup(frames: LaneClient[] = []) {
  let keptAlive = 0;
  const asked: unknown[] = [];
  const lanes = new PageLanes({
    clients: { matchAll: async () => frames },
    frameUrl: FRAME,
    keepAlive: () => keptAlive++,
  });
  const answer = async (request: unknown): Promise<PortResponse | null> => {
    asked.push(request);
    const { id } = request as { id: string };
    return { id, result: `answer to ${id}` };
  };
  return { lanes, answer, asked, keptAlive: () => keptAlive };
}

/** The next message on `port`, or 'nothing' after a while. */
function next(port: MessagePort, ms = 100): Promise<unknown> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      port.onmessage = null;
      resolve('nothing');
    }, ms);
    port.onmessage = (event) => {
      clearTimeout(timer);
      port.onmessage = null;
      resolve(event.data);
    };
  });
}

function nonceOf(frame: string): string {
  return frame.slice(frame.indexOf('#') + 1);
}

test('the offered frame gets one port; after the switch the lane answers as the runtime port would', async () => {
  const frames: LaneClient[] = [];
  const { lanes, answer, asked, keptAlive } = setup(frames);
  const lane = lanes.open(answer);
  const url = lane.offer.lane.frame;
  assert.match(url, /^chrome-extension:\/\/[a-p]{32}\/lane\.html#[0-9a-f]{32}$/);
  const frame = frameAt(url);
  frames.push(frame.client);
  assert.equal(await lanes.deliver({ lane: nonceOf(url) }, url), true);
  assert.equal(frame.got.length, 1);
  // Asked again (a second frame request, a replay): nothing more is handed out.
  assert.equal(await lanes.deliver({ lane: nonceOf(url) }, url), false);
  assert.equal(frame.got.length, 1);

  const relay = frame.got[0] as MessagePort;
  // Before the switch the lane serves nothing: a request there goes unanswered.
  relay.postMessage(JSON.stringify({ id: 'early', request: { method: 'weft_ping' } }));
  assert.equal(await next(relay), 'nothing');
  assert.deepEqual(asked, []);

  const ready = next(relay, 1_000);
  lane.switchOver();
  assert.equal(await ready, LANE_READY);
  const answered = next(relay, 1_000);
  relay.postMessage(JSON.stringify({ id: 'r1', request: { method: 'weft_call' } }));
  assert.deepEqual(JSON.parse((await answered) as string), { id: 'r1', result: 'answer to r1' });
  assert.deepEqual(asked, [{ id: 'r1', request: { method: 'weft_call' } }]);
  assert.equal(keptAlive(), 1, 'a lane request keeps the worker alive (an extension API call)');

  // Not JSON text: ignored, and the lane still serves.
  relay.postMessage({ id: 'object' });
  relay.postMessage('{not json');
  const after = next(relay, 1_000);
  relay.postMessage(JSON.stringify({ id: 'r2', request: {} }));
  assert.deepEqual(JSON.parse((await after) as string), { id: 'r2', result: 'answer to r2' });

  // The runtime port closed: the lane closes with it.
  lane.close();
  relay.postMessage(JSON.stringify({ id: 'r3', request: {} }));
  assert.equal(await next(relay), 'nothing');
  assert.equal(asked.length, 2);
  relay.close();
});

test('a frame with another nonce, another URL, or a second frame at the same URL gets no port', async () => {
  const frames: LaneClient[] = [];
  const { lanes, answer } = setup(frames);
  const lane = lanes.open(answer);
  const url = lane.offer.lane.frame;
  const nonce = nonceOf(url);

  // A nonce nobody offered.
  const stranger = frameAt(`${FRAME}#${'0'.repeat(32)}`);
  frames.push(stranger.client);
  assert.equal(await lanes.deliver({ lane: '0'.repeat(32) }, stranger.client.url), false);
  // The right nonce, asked by a page that is not the extension's frame (the browser says who asks).
  assert.equal(await lanes.deliver({ lane: nonce }, `https://evil.example/lane.html#${nonce}`), false);
  assert.equal(await lanes.deliver({ lane: nonce }, undefined), false);
  // The offered frame is not among the clients yet: nothing to post to.
  assert.equal(await lanes.deliver({ lane: nonce }, url), false);
  // Two frames at the offered URL (a page loaded it as well): which is the relay's is unknown.
  const first = frameAt(url);
  const copy = frameAt(url);
  frames.push(first.client, copy.client);
  assert.equal(await lanes.deliver({ lane: nonce }, url), false);
  assert.equal(first.got.length + copy.got.length + stranger.got.length, 0);
  lane.close();
});

test('an offer lapses when its runtime port closes before the frame asks', async () => {
  const frames: LaneClient[] = [];
  const { lanes, answer } = setup(frames);
  const lane = lanes.open(answer);
  const url = lane.offer.lane.frame;
  const frame = frameAt(url);
  frames.push(frame.client);
  lane.close();
  assert.equal(await lanes.deliver({ lane: nonceOf(url) }, url), false);
  assert.equal(frame.got.length, 0);
  // A switch on a lane whose port never came changes nothing.
  lane.switchOver();
});

test('a response that cannot be sent as JSON is answered with an internal error, as on the runtime port', async () => {
  const frames: LaneClient[] = [];
  const { lanes } = setup(frames);
  const lane = lanes.open(async (request) => ({ id: (request as { id: string }).id, result: 10n }));
  const url = lane.offer.lane.frame;
  const frame = frameAt(url);
  frames.push(frame.client);
  await lanes.deliver({ lane: nonceOf(url) }, url);
  const relay = frame.got[0] as MessagePort;
  const ready = next(relay, 1_000);
  lane.switchOver();
  assert.equal(await ready, LANE_READY);
  const answered = next(relay, 1_000);
  relay.postMessage(JSON.stringify({ id: 'big', request: {} }));
  assert.deepEqual(JSON.parse((await answered) as string), {
    id: 'big',
    error: { code: -32603, message: 'result could not be sent' },
  });
  lane.close();
  relay.close();
});
