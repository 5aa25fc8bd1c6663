/**
 * GHL ids (location, contact) are about 20 letters and digits; bounded, so a pasted URL or text is
 * refused. On its own so the CLI can check an option without loading the configuration's packages.
 */
export const GHL_ID = /^[A-Za-z0-9_-]{1,64}$/;
