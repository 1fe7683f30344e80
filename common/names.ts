/**
 * The shapes of names and ids that every layer checks: profile names and AWS access key ids.
 * This file imports nothing.
 */

/** Profile names the vault accepts: what AWS config files use, without spaces or control characters. */
export const PROFILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+=,@:-]{0,127}$/;

/**
 * The one name {@link PROFILE_NAME} lets through that no vault can store: JavaScript gives it a
 * meaning of its own. Whatever checks a name before it is stored (main, the profiles form) refuses it.
 */
export const RESERVED_PROFILE_NAME = '__proto__';

/** The rule {@link PROFILE_NAME} enforces, in words, for error messages. */
export const PROFILE_NAME_RULE = '1-128 characters of A-Z a-z 0-9 _ . + = , @ : -';

/** An AWS access key id: long-term (AKIA…) or temporary (ASIA…), upper-case letters and digits. */
export const ACCESS_KEY_ID = /^[A-Z0-9]{16,128}$/;
