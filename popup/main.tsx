import { render } from 'preact';
import { App } from './App.tsx';
import { StatusFeed } from './status-feed.ts';

// Ask the worker for the wallet's state before rendering, so the round trip overlaps the first render.
const feed = new StatusFeed();

const root = document.getElementById('app');
// The popup carries no timing code: bench/popup-timing.ts times its screens from outside.
if (root) render(<App feed={feed} />, root);
