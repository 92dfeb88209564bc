export {
  DEFAULT_SOURCE,
  InvalidMessageError,
  dataSchemaOf,
  parseCloudEvent,
  toCloudEvent,
  withoutSecretFields,
  type ReceivedUserEvent,
  type UserCloudEvent,
} from './cloud-event.js';
export { deduplicationIdOf, eventIdentity, fifoIdDigest, isFifoSafeId, messageGroupId } from './message-group.js';
