/**
 * First run: create a wallet (the recovery phrase is shown once, then two of its words
 * are asked back) or import one from a phrase. Either way the user sets a password.
 */
import { useState } from 'preact/hooks';
import { isError, send } from '../api.ts';

type Step =
  | { kind: 'choose' }
  | { kind: 'password'; importing: boolean }
  | { kind: 'show'; words: string[] }
  | { kind: 'confirm'; words: string[]; ask: [number, number] };

function pickTwo(count: number): [number, number] {
  const a = crypto.getRandomValues(new Uint32Array(1))[0] as number;
  const first = a % count;
  const second = (first + 1 + ((a >>> 8) % (count - 1))) % count;
  return first < second ? [first, second] : [second, first];
}

/** `onBegin` fires before the vault is created, so the caller keeps this screen up until `onDone`. */
export function Onboarding({ onBegin, onDone }: { onBegin: () => void; onDone: () => void }) {
  const [step, setStep] = useState<Step>({ kind: 'choose' });
  const [error, setError] = useState<string | null>(null);

  if (step.kind === 'choose') {
    return (
      <section data-testid="onboarding">
        <h2>Welcome to Weft</h2>
        <p>Your keys stay in this browser, encrypted with your password.</p>
        <button type="button" onClick={() => setStep({ kind: 'password', importing: false })}>
          Create a new wallet
        </button>{' '}
        <button type="button" onClick={() => setStep({ kind: 'password', importing: true })}>
          Import a recovery phrase
        </button>
      </section>
    );
  }

  if (step.kind === 'password') {
    const submit = async (event: Event) => {
      event.preventDefault();
      const form = new FormData(event.target as HTMLFormElement);
      const password = String(form.get('password'));
      if (password !== String(form.get('confirm'))) {
        setError('The two passwords differ.');
        return;
      }
      const phrase = step.importing ? String(form.get('phrase')).trim().replace(/\s+/g, ' ') : undefined;
      onBegin();
      const answer = await send({ type: 'createVault', password, ...(phrase ? { mnemonic: phrase } : {}) });
      if (isError(answer)) return setError(answer.error);
      setError(null);
      if (step.importing) onDone();
      else setStep({ kind: 'show', words: answer.mnemonic.split(' ') });
    };
    return (
      <form onSubmit={submit} data-testid="onboarding-password">
        <h2>{step.importing ? 'Import a wallet' : 'Create a wallet'}</h2>
        {step.importing && (
          <label>
            Recovery phrase (12 or 24 words)
            <textarea name="phrase" rows={3} required autocomplete="off" />
          </label>
        )}
        <label>
          Password (at least 8 characters)
          <input type="password" name="password" required minLength={8} autocomplete="new-password" />
        </label>
        <label>
          Password again
          <input type="password" name="confirm" required minLength={8} autocomplete="new-password" />
        </label>
        <button type="submit">{step.importing ? 'Import' : 'Create'}</button>
        {error && <p class="error">{error}</p>}
      </form>
    );
  }

  if (step.kind === 'show') {
    return (
      <section data-testid="recovery-phrase">
        <h2>Your recovery phrase</h2>
        <p>
          Write these words down, in order. Anyone with them controls your wallet; Weft shows them only now.
        </p>
        <ol class="phrase">
          {step.words.map((word, i) => (
            <li key={`${i}-${word}`}>{word}</li>
          ))}
        </ol>
        <button
          type="button"
          onClick={() => setStep({ kind: 'confirm', words: step.words, ask: pickTwo(step.words.length) })}
        >
          I wrote them down
        </button>
      </section>
    );
  }

  const [a, b] = step.ask;
  const confirm = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    if (
      String(form.get('first')).trim() === step.words[a] &&
      String(form.get('second')).trim() === step.words[b]
    ) {
      onDone();
    } else {
      setError('Those words do not match your phrase.');
    }
  };
  return (
    <form onSubmit={confirm} data-testid="confirm-phrase">
      <h2>Confirm your phrase</h2>
      <label>
        Word #{a + 1}
        <input name="first" required autocomplete="off" data-testid="confirm-first" data-index={a} />
      </label>
      <label>
        Word #{b + 1}
        <input name="second" required autocomplete="off" data-testid="confirm-second" data-index={b} />
      </label>
      <button type="submit">Confirm</button>
      {error && <p class="error">{error}</p>}
    </form>
  );
}
