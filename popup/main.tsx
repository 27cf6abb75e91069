import { render } from 'preact';
import { App } from './App.tsx';
import { send } from './api.ts';

// Ask the worker for the wallet's state before rendering, so the round trip overlaps the first render.
const initialStatus = send({ type: 'status' });

const root = document.getElementById('app');
if (root) {
  render(<App initialStatus={initialStatus} />, root);
  // Read by the e2e test and the popup-render benchmark: time from navigation start to first render.
  document.documentElement.dataset.firstRenderMs = performance.now().toFixed(1);
}
