/**
 * Where the DynamoDB key store keeps users' data keys, without the AWS SDK, so that `infra/` can import it.
 * Key items share the event-store table: partition `key#<subject>`, sort key 0. The stream relay skips them
 * (their item type is not an event), and IAM can grant access to them alone by this prefix
 * (`dynamodb:LeadingKeys`).
 */
export const KEY_ITEM_PREFIX = 'key#';
export const KEY_ITEM_TYPE = 'key';
