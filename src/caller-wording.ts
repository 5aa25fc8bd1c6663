import { GhlAuthError, NEXT_RUN_RETRIES } from './errors.js';

/**
 * The answer to a program that asked for a token (`token`, getAccessToken()). A failure worded for
 * cron, "the next run will try again", is reworded: no next run follows a caller, it decides itself
 * whether and when to ask again.
 */
export async function forCaller<T>(answer: Promise<T>): Promise<T> {
  try {
    return await answer;
  } catch (error) {
    if (!(error instanceof GhlAuthError) || !error.message.includes(NEXT_RUN_RETRIES)) throw error;
    throw new GhlAuthError(error.code, error.message.replaceAll(NEXT_RUN_RETRIES, 'try again later'), { cause: error.cause });
  }
}
