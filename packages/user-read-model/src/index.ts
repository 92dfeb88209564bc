export { ReadModelError, isReadModelError, type ReadModelErrorCode } from './errors.js';
export type { CheckpointWrite, UserReadModel, ViewWrite } from './port.js';
export {
  CATCH_UP_BATCH_EVENTS,
  catchUp,
  createProjector,
  type ApplyBatchOptions,
  type BatchOutcome,
  type CatchUpOptions,
  type FailedEvent,
  type ProjectionFold,
  type Projector,
  type ProjectorLogger,
  type ProjectorOptions,
} from './projector.js';
export {
  USER_VIEW_STATUSES,
  applyToView,
  type ProjectableEvent,
  type UserView,
  type UserViewStatus,
} from './view.js';
export {
  DEFAULT_SLOT,
  SLOTS,
  SLOT_POINTER_FILE,
  SQLITE_SLOT_FILES,
  createFileSlotPointer,
  createSlottedReadModel,
  isSlot,
  otherSlot,
  requireSlot,
  type FileSlotPointerOptions,
  type Slot,
  type SlotPointer,
  type SlotPointerRecord,
  type SlotPointerState,
  type SlottedReadModelOptions,
  type SlottedUserReadModel,
} from './slots.js';
