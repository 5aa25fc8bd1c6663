import type { Config } from '../config.js';
import { judgeTokens } from './judge.js';
import type { Replaced } from '../lifecycle/replace.js';
import { relativeTime, scopesOf } from './stored-tokens.js';
import { describeReach, holderOf, reachOf } from './token-reach.js';

/**
 * What login, exchange and import print after saving: where, for whom, until when, and what the judge
 * finds (the tokens are saved either way, so its problems are warnings here).
 */
export function describeSaved(replaced: Replaced, config: Pick<Config, 'locationId' | 'checkLocations' | 'tokensFile'>, nowMs: number): { lines: string[]; warnings: string[] } {
  const { stored, backup } = replaced;
  const { token } = stored;
  const reach = reachOf(stored, config.locationId);
  return {
    lines: [
      `tokens saved to ${config.tokensFile} (mode 0600)`,
      `${holderOf(token, reach.tokenType).join(' ')}, user type ${token.userType ?? 'unknown'}`,
      `token type ${describeReach(reach, token.locationId)}`,
      `scopes ${scopesOf(stored).join(' ') || '(none reported)'}`,
      `access token expires ${stored.expiresAt} (${relativeTime(Date.parse(stored.expiresAt), nowMs)}); \`ghl-auth check\` refreshes it from now on`,
      ...(backup ? [`the previous token file was kept as ${backup}`] : []),
    ],
    warnings: judgeTokens(stored, config, nowMs).map((finding) => finding.message),
  };
}
