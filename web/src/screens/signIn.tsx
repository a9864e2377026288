// Sign-in (/signin): email a magic link, or type its 6-digit code. Skipped in local mode.

import { useEffect, useState } from "preact/hooks";
import { api, HttpError } from "../api";
import { navigate } from "../ui";

export function SignIn() {
  const [email, setEmail] = useState("");
  const [code, setCode] = useState("");
  const [stage, setStage] = useState<"checking" | "email" | "code">("checking");
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const next = new URLSearchParams(location.search).get("next") ?? "/studio";
  const target = next.startsWith("/") && !next.startsWith("//") ? next : "/studio";

  useEffect(() => {
    // Local mode (or a still valid session) skips this screen.
    void api.token().then((token) => {
      if (token) navigate(target, true);
      else setStage("email");
    });
  }, []);

  const sendLink = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setMessage(null);
    try {
      await api.requestMagicLink(email.trim());
      setStage("code");
      setMessage("Check your inbox: open the link, or type the 6-digit code here.");
    } catch (e) {
      setMessage(e instanceof Error ? e.message : "Could not send the link.");
    } finally {
      setBusy(false);
    }
  };

  const verify = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setMessage(null);
    try {
      await api.verifyCode(email.trim(), code.trim());
      navigate(target, true);
    } catch (e) {
      setMessage(
        e instanceof HttpError && e.status < 500
          ? "That code did not work; check it or ask for a new one."
          : "Could not verify the code.",
      );
    } finally {
      setBusy(false);
    }
  };

  if (stage === "checking") return <p class="empty page">Checking your session…</p>;
  return (
    <div class="signin">
      <h1>Sign in to Code Monet</h1>
      {stage === "email" ? (
        <form onSubmit={(e) => void sendLink(e)}>
          <div class="field">
            <label for="email">Email</label>
            <input
              id="email"
              type="email"
              autoComplete="email"
              required
              value={email}
              onInput={(e) => setEmail((e.currentTarget as HTMLInputElement).value)}
            />
          </div>
          <button class="btn primary" type="submit" disabled={busy || !email.includes("@")}>
            Email me a sign-in link
          </button>
        </form>
      ) : (
        <form onSubmit={(e) => void verify(e)}>
          <div class="field">
            <label for="code">6-digit code sent to {email}</label>
            <input
              id="code"
              inputMode="numeric"
              autoComplete="one-time-code"
              pattern="[0-9]{6}"
              maxLength={6}
              required
              value={code}
              onInput={(e) => setCode((e.currentTarget as HTMLInputElement).value.replace(/\D/g, ""))}
            />
          </div>
          <div class="dialog-actions">
            <button class="btn" type="button" onClick={() => setStage("email")}>
              Use another email
            </button>
            <button class="btn primary" type="submit" disabled={busy || code.length !== 6}>
              Sign in
            </button>
          </div>
        </form>
      )}
      {message && (
        <p class="notice" role="status">
          {message}
        </p>
      )}
    </div>
  );
}
