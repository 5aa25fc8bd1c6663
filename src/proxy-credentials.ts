import type { Env } from './config.js';

/** Where axios finds its proxy (through proxy-from-env): the URL scheme's variable, then ALL_PROXY, in either case. */
const PROXY_VARIABLES = ['https_proxy', 'http_proxy', 'all_proxy'].flatMap((name) => [name, name.toUpperCase()]);

/**
 * The credentials in the proxy URLs of `env`, in every form a proxy's answer may echo them: the
 * password, `user:password` (as written in the URL and percent-decoded), and the base64 of that pair
 * that the Proxy-Authorization header carries. Without a password, the user name is the credential.
 */
export function proxyCredentials(env: Env): string[] {
  const found: string[] = [];
  for (const name of PROXY_VARIABLES) {
    const value = env[name]?.trim();
    if (!value) continue;
    // Like proxy-from-env: a value without a scheme is still a proxy.
    const written = value.includes('://') ? value : `http://${value}`;
    if (!URL.canParse(written)) continue;
    const { username, password } = new URL(written);
    if (!username && !password) continue;
    for (const [user, secret] of [
      [username, password],
      [decoded(username), decoded(password)],
    ] as const) {
      const pair = `${user}:${secret}`;
      const base64 = Buffer.from(pair, 'utf8').toString('base64');
      found.push(secret || user, pair, `${pair}@`, base64, base64.replace(/=+$/, ''));
    }
  }
  return found;
}

function decoded(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
