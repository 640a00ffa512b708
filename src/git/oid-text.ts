/**
 * Object ids as text, for code that has no repository at hand (the manifest schema, which the
 * dashboard's browser code type-checks too, so nothing here may need Node). The repository's
 * own format, with its hash, is in object-format.ts.
 */

/**
 * A whole lowercase hex id of any format git supports, anchored: for parsing what git prints
 * where the repository's format is not at hand (the id's own length then says which it is).
 */
export const ANY_OID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
/** {@link ANY_OID} as a pattern source, to embed in a larger expression (the longer first). */
export const ANY_OID_SOURCE = '(?:[0-9a-f]{64}|[0-9a-f]{40})';
