import { useState } from 'preact/hooks';
import { isError, send } from '../api.ts';

/** The vault's password; once it unlocks, the status the worker sends shows the next screen. */
export function Unlock() {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    setBusy(true);
    const answer = await send({ type: 'unlock', password: String(new FormData(form).get('password')) });
    setBusy(false);
    if (isError(answer)) {
      setError(answer.name === 'WrongPasswordError' ? 'Wrong password.' : answer.error);
      form.reset();
    }
  };

  return (
    <form onSubmit={submit} data-testid="unlock">
      <h2>Unlock</h2>
      <label>
        Password
        <input type="password" name="password" required autocomplete="current-password" />
      </label>
      <button type="submit" disabled={busy}>
        {busy ? 'Unlocking…' : 'Unlock'}
      </button>
      {error && <p class="error">{error}</p>}
    </form>
  );
}
