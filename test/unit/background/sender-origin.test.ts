import assert from 'node:assert/strict';
import { test } from 'node:test';
import { senderOrigin } from '../../../background/provider/sender-origin.ts';

const id = 'abcdefghijklmnopabcdefghijklmnop';

test('takes the origin Chromium reports on the port sender', () => {
  assert.equal(
    senderOrigin({ id, origin: 'https://dapp.example', url: 'https://dapp.example/a', tab: { id: 1 } }, id),
    'https://dapp.example',
  );
});

test("derives the origin from the sender's URL where only the URL is given (Firefox)", () => {
  assert.equal(
    senderOrigin({ id, url: 'http://127.0.0.1:8080/path?q', tab: { id: 2 } }, id),
    'http://127.0.0.1:8080',
  );
});

test('refuses senders that are not web pages of this extension', () => {
  assert.equal(senderOrigin(undefined, id), null);
  assert.equal(
    senderOrigin({ id: 'other-extension', origin: 'https://a.example', tab: { id: 1 } }, id),
    null,
  );
  assert.equal(senderOrigin({ id, origin: 'https://a.example' }, id), null, 'no tab');
  assert.equal(senderOrigin({ id, origin: 'null', tab: { id: 1 } }, id), null, 'opaque origin');
  assert.equal(senderOrigin({ id, url: 'file:///etc/passwd', tab: { id: 1 } }, id), null);
  assert.equal(senderOrigin({ id, url: 'not a url', tab: { id: 1 } }, id), null);
  assert.equal(senderOrigin({ id, origin: `chrome-extension://${id}`, tab: { id: 1 } }, id), null);
});
