import { render } from 'preact';
import { App } from './App.tsx';

const root = document.getElementById('app');
if (root) {
  render(<App />, root);
  // Read by the e2e test and the popup-render benchmark: time from navigation start to first render.
  document.documentElement.dataset.firstRenderMs = performance.now().toFixed(1);
}
