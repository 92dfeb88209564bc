import { createHmac, randomBytes } from 'node:crypto';
import {
  emailKey,
  isActive,
  isUserDomainError,
  normalizeEmail,
  publicEventData,
  upcast,
  type UserState,
} from '@user-service/user-domain';
import type { EventStore, StoredEvent } from '@user-service/event-store';
import { applyToView, type UserReadModel, type UserView } from '@user-service/user-read-model';
import { createCommandRunner, type CommandContext, type CommandOutcome } from './commands.js';
import { ApplicationError } from './errors.js';
import { hashToken, resetToken } from './mail.js';
import type { Clock, PasswordHasher, PersonalDataEraser, Principal, TokenService } from './ports.js';
import { createUserStates, foldAll, type LoadedUser } from './user-states.js';

export interface UserApplicationDeps {
  readonly eventStore: EventStore;
  readonly readModel: UserReadModel;
  readonly passwords: PasswordHasher;
  readonly tokens: TokenService;
  readonly clock: Clock;
  /** New user ids: random, so that an id tells nothing about the user. */
  readonly newId: () => string;
  /**
   * New event ids: time-ordered (UUIDv7, say), so that ids reach the SQLite event store's
   * (event id, stream) index in order: the appends of one commit then add to one index page, where random
   * ids scatter them over as many pages as the commit has appends. @default `newId`
   */
  readonly newEventId?: () => string;
  /** Derives stable ids from idempotency keys; a secret, so ids cannot be guessed from keys. */
  readonly idSecret: string;
  readonly passwordResetTtlSeconds: number;
  /** How long a registration may stay unconfirmed before a new registration of its address may replace it. */
  readonly emailConfirmationTtlSeconds: number;
  /**
   * Runs after every recorded command; the embedded host brings the read model up to date and sends the
   * new events' mails here (its mail follower).
   */
  readonly afterCommit?: (recorded: readonly StoredEvent[]) => Promise<void>;
  /** Destroys an erased user's key and scrubs their views, once their tombstone is recorded. */
  readonly eraser: PersonalDataEraser;
  /** Keys reset tokens (see `mail.ts`). */
  readonly resetTokenSecret: string;
  /** Sends a mail that no event asks for (a confirmation sent again on request); a failure is logged. */
  readonly resendConfirmation: (userId: string, email: string) => Promise<void>;
  /** Work of the host's that {@link flush} waits for too (the embedded mail follower's rounds). */
  readonly pending?: () => Promise<void>;
  /** How many users' current states this process keeps folded (see `user-states.ts`). @default 10000 */
  readonly stateCacheEntries?: number;
  /** Events folded past the last snapshot before a new one is saved. @default 100 */
  readonly snapshotEvery?: number;
  /** The event store applies appends in call order, so commands on one user may share commits. */
  readonly appendsInCallOrder?: boolean;
  /**
   * For a host that freezes once it has answered (AWS Lambda), where nothing may run after the answer: the
   * work an anonymous request starts (a reset, a confirmation sent again) is finished before the answer,
   * and every such answer, known address or not, comes no sooner than this many milliseconds after the
   * request began, so that the work hides inside the floor. Absent, the work runs after the answer.
   */
  readonly anonymousAnswerFloorMs?: number;
  /** The monotonic clock and the wait that the floor is kept with. @default `performance.now` and a timer */
  readonly floorTimer?: { now(): number; sleep(ms: number): Promise<void> };
  readonly log: { error(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

/** A user as the API shows it: never a password hash, never a token, never a removed user. */
export type PublicUserView = Omit<UserView, 'status'> & { status: 'registered' | 'confirmed' };

export interface RegisterInput {
  email: string;
  username: string;
  password: string;
  name?: string | null | undefined;
  surname?: string | null | undefined;
}

export interface ProfileInput {
  username?: string | undefined;
  name?: string | null | undefined;
  surname?: string | null | undefined;
}

export type Caller = CommandContext & { readonly principal?: Principal };

/** Who a session token proves the caller to be, and, for a user, their state as it was just loaded. */
export interface Authenticated {
  readonly principal: Principal;
  readonly session?: NonNullable<CommandContext['session']>;
}

/** Where a page of a user's history starts, and how long it may be. */
export interface EventPage {
  readonly fromVersion: number;
  readonly limit: number;
}

export interface CommandResponse {
  readonly user: PublicUserView | undefined;
  readonly version: number;
  readonly replayed: boolean;
}

/** The use cases of the user service, independent of HTTP. */
export function createUserApplication(deps: UserApplicationDeps) {
  const states = createUserStates({
    eventStore: deps.eventStore,
    log: deps.log,
    ...(deps.stateCacheEntries === undefined ? {} : { cacheEntries: deps.stateCacheEntries }),
    ...(deps.snapshotEvery === undefined ? {} : { snapshotEvery: deps.snapshotEvery }),
  });
  const runner = createCommandRunner({
    eventStore: deps.eventStore,
    states,
    newEventId: deps.newEventId ?? deps.newId,
    pipeline: deps.appendsInCallOrder ?? false,
  });
  const now = () => deps.clock.now().toISOString();
  // Unknown emails still cost one hash check, so a login's timing does not reveal who has an account.
  const decoyHash = deps.passwords.hash(randomBytes(16).toString('hex'));

  async function committed(outcome: CommandOutcome): Promise<CommandResponse> {
    if (outcome.recorded.length > 0 && deps.afterCommit) await deps.afterCommit(outcome.recorded);
    const { view, version } = outcome.loaded;
    const user = view !== undefined && isVisible(view) ? publicView(view) : undefined;
    return { user, version, replayed: outcome.replayed };
  }

  /**
   * Work an anonymous request starts and does not wait for, so that its answer comes as fast whether an
   * account exists or not. A failure is logged; {@link flush} waits for what is still running.
   */
  const background = new Set<Promise<void>>();
  function inBackground(what: string, task: () => Promise<void>): void {
    const running = task()
      .catch((err: unknown) => deps.log.error({ err }, `${what} failed`))
      .finally(() => background.delete(running));
    background.add(running);
  }

  const floorTimer = deps.floorTimer ?? {
    now: () => performance.now(),
    sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
  };
  /**
   * Runs the work an anonymous request started at `startedAt` found to do (none for an unknown address) so
   * that the answer does not tell the two apart: after the answer, or, with `anonymousAnswerFloorMs`, before
   * it, with every answer held until the floor. A failure is logged, never answered.
   */
  async function anonymousWork(what: string, startedAt: number, task: (() => Promise<void>) | undefined): Promise<void> {
    const floorMs = deps.anonymousAnswerFloorMs;
    if (floorMs === undefined) {
      if (task !== undefined) inBackground(what, task);
      return;
    }
    const work = task?.().catch((err: unknown) => deps.log.error({ err }, `${what} failed`));
    await Promise.all([work, floorTimer.sleep(Math.max(0, startedAt + floorMs - floorTimer.now()))]);
  }

  /**
   * Removes the registration that holds `email` if it was never confirmed in time, so that this registration
   * can take the address. The domain decides on that user's current state under optimistic concurrency, so a
   * confirmation that lands first wins and the address stays taken. `self` is this registration's own id: a
   * retry must never remove the user its first attempt created.
   */
  async function expireSquatter(email: string, self: string, correlationId: string): Promise<void> {
    const holder = await deps.eventStore.lookupClaim(emailKey(email));
    if (holder === undefined || holder === self) return;
    const { state } = await states.load(holder);
    if (!isActive(state) || state.everConfirmed) return;
    const deadline = Date.parse(state.registeredAt) + deps.emailConfirmationTtlSeconds * 1000;
    if (deps.clock.now().getTime() < deadline) return;
    try {
      const outcome = await runner.run(
        holder,
        () => ({ type: 'ExpireRegistration', now: now(), confirmationTtlSeconds: deps.emailConfirmationTtlSeconds }),
        { correlationId, actor: 'system:registration-expiry' },
      );
      await committed(outcome);
    } catch (error) {
      // Confirmed or removed meanwhile: the registration then meets the address as it is.
      if (!isUserDomainError(error)) throw error;
    }
  }

  /** Records a reset request; its mail is made from the event (see `mail.ts`). */
  async function issuePasswordReset(userId: string, context: CommandContext): Promise<void> {
    const issuedAt = deps.clock.now();
    const expiresAt = new Date(issuedAt.getTime() + deps.passwordResetTtlSeconds * 1000).toISOString();
    const outcome = await runner.run(
      userId,
      () => ({
        type: 'RequestPasswordReset',
        now: issuedAt.toISOString(),
        tokenHash: hashToken(resetToken(deps.resetTokenSecret, userId, expiresAt)),
        expiresAt,
      }),
      context,
    );
    await committed(outcome);
  }

  return {
    /**
     * Registers a user. An address held by a registration that was never confirmed within its window is not
     * taken: that registration is removed (`confirmation-expired`), freeing its address and username, and this
     * one goes ahead, so no one can block another person's address by registering it first.
     */
    async register(input: RegisterInput, caller: Caller): Promise<CommandResponse> {
      // A retried registration must land on the same stream, so its id derives from the idempotency key.
      const userId = caller.idempotency ? stableId(deps.idSecret, caller.idempotency.key) : deps.newId();
      const passwordHash = await deps.passwords.hash(input.password);
      await expireSquatter(input.email, userId, caller.correlationId);
      const outcome = await runner.run(
        userId,
        () => ({
          type: 'RegisterUser',
          now: now(),
          email: input.email,
          username: input.username,
          passwordHash,
          name: input.name ?? null,
          surname: input.surname ?? null,
        }),
        { ...caller, actor: caller.actor ?? userId },
      );
      return committed(outcome);
    },

    async login(email: string, password: string): Promise<{ token: string; expiresIn: number }> {
      const userId = await deps.eventStore.lookupClaim(emailKey(email));
      const user = userId === undefined ? undefined : (await states.load(userId)).state;
      if (userId === undefined || user === undefined || !isActive(user)) {
        await deps.passwords.verify(password, await decoyHash);
        throw invalidCredentials();
      }
      if (!(await deps.passwords.verify(password, user.passwordHash))) throw invalidCredentials();
      const token = deps.tokens.issueSession({
        subject: userId,
        role: 'user',
        passwordSetAt: user.passwordChangedAt,
      });
      return { token, expiresIn: deps.tokens.sessionTtlSeconds };
    },

    /**
     * Checks a session token against the user's current state, not just its signature. The state is read
     * from the store on every call, so a revocation by any process counts at once.
     */
    async authenticate(token: string): Promise<Authenticated> {
      let claims;
      try {
        claims = deps.tokens.verifySession(token);
      } catch (cause) {
        throw new ApplicationError('UNAUTHORIZED', 'the session token is not valid', { cause });
      }
      if (claims.role === 'admin') return { principal: { subject: claims.subject, role: 'admin' } };
      const loaded = await states.load(claims.subject);
      const { state } = loaded;
      // A password change or a removal revokes every session opened before it.
      if (!isActive(state) || state.passwordChangedAt !== claims.passwordSetAt) {
        throw new ApplicationError('UNAUTHORIZED', 'this session has been revoked');
      }
      return {
        principal: { subject: claims.subject, role: 'user' },
        session: { userId: claims.subject, loaded },
      };
    },

    /**
     * The user as the caller may see it. A user reading themself gets the view their authentication loaded
     * in this request from the write side: as fresh as the store, and no read-model read. An admin gets the
     * read model's view; with `minVersion`, never older than that version: while the read model lags behind
     * it, the answer comes from the write side, and a version the user has not reached yet is
     * `VERSION_NOT_FOUND`.
     */
    async getUser(
      userId: string,
      caller: { principal: Principal; session?: Authenticated['session'] },
      minVersion?: number,
    ): Promise<PublicUserView> {
      requireSelfOrAdmin(caller.principal, userId);
      const session = caller.session?.userId === userId ? caller.session.loaded : undefined;
      const view = session === undefined ? await deps.readModel.get(userId) : session.view;
      if (minVersion === undefined || (view !== undefined && view.version >= minVersion)) return visible(view);
      const loaded: LoadedUser = session ?? (await states.load(userId));
      if (loaded.version < minVersion) {
        // A user with no events is no user at all. Only the user themself or an admin gets this far, so
        // telling the two answers apart reveals nothing to anyone else.
        if (loaded.version === 0) throw notFound();
        throw new ApplicationError('VERSION_NOT_FOUND', `the user has no version ${minVersion} yet`);
      }
      return visible(loaded.view);
    },

    /** The user as it was at a version or an instant, rebuilt from the event store. */
    async getUserAsOf(
      userId: string,
      principal: Principal,
      asOf: { version: number } | { at: Date },
    ): Promise<PublicUserView> {
      requireSelfOrAdmin(principal, userId);
      if ('version' in asOf) {
        const history = await deps.eventStore.readStream(userId, { toVersion: asOf.version });
        if (history.length > 0 && history.length < asOf.version) {
          throw new ApplicationError('VERSION_NOT_FOUND', `the user has no version ${asOf.version}`);
        }
        return visible(viewOf(history));
      }
      // The history up to the first event after the instant: always a prefix of the stream, even where
      // `occurredAt` does not rise with the version (clocks of two instances apart).
      const history = await deps.eventStore.readStream(userId);
      const after = history.findIndex((event) => Date.parse(event.metadata.occurredAt) > asOf.at.getTime());
      return visible(viewOf(after === -1 ? history : history.slice(0, after)));
    },

    /**
     * Who may look up whom: by email only an admin, so that no one can test which addresses have an
     * account; by username (a public handle) any user whose own email is confirmed, so that a fresh,
     * throwaway account cannot enumerate others.
     */
    async findUsers(filter: { email: string } | { username: string }, caller: Authenticated) {
      if (caller.principal.role !== 'admin') {
        if ('email' in filter) throw new ApplicationError('FORBIDDEN', 'only an admin may look users up by email');
        const own = caller.session?.loaded.state;
        if (own === undefined || !isActive(own) || own.status !== 'confirmed') {
          throw new ApplicationError('EMAIL_NOT_CONFIRMED', 'confirm your email address before looking up others');
        }
      }
      const views =
        'email' in filter
          ? await deps.readModel.findByEmail(normalizeEmail(filter.email))
          : await deps.readModel.findByUsername(filter.username);
      return views.filter(isVisible).map(({ id, username, status }) => ({ id, username, status }));
    },

    /** One page of the user's history, without secrets, and where the next page starts if there is one. */
    async events(userId: string, principal: Principal, page: EventPage) {
      requireSelfOrAdmin(principal, userId);
      const { fromVersion, limit } = page;
      // One event past the page tells whether another page follows, without counting the stream.
      const events = await deps.eventStore.readStream(userId, { fromVersion, toVersion: fromVersion + limit });
      if (events.length === 0 && (fromVersion === 1 || (await states.load(userId)).version === 0)) throw notFound();
      const items = events.slice(0, limit).map((event) => ({
        eventId: event.eventId,
        type: event.type,
        version: event.version,
        occurredAt: event.metadata.occurredAt,
        data: publicEventData(upcast(event)),
      }));
      return { items, nextFromVersion: events.length > limit ? fromVersion + limit : undefined };
    },

    async updateProfile(userId: string, input: ProfileInput, caller: Caller): Promise<CommandResponse> {
      requireSelfOrAdmin(caller.principal, userId);
      const outcome = await runner.run(
        userId,
        () => ({ type: 'UpdateProfile', now: now(), ...definedOnly(input) }),
        caller,
      );
      return committed(outcome);
    },

    async changeEmail(userId: string, email: string, caller: Caller): Promise<CommandResponse> {
      requireSelfOrAdmin(caller.principal, userId);
      const outcome = await runner.run(userId, () => ({ type: 'ChangeEmail', now: now(), email }), caller);
      return committed(outcome);
    },

    async confirmEmail(userId: string, token: string, caller: Caller): Promise<CommandResponse> {
      let claims;
      try {
        claims = deps.tokens.verifyEmailConfirmation(token);
      } catch (cause) {
        throw new ApplicationError('INVALID_TOKEN', 'the confirmation token is not valid', { cause });
      }
      if (claims.userId !== userId) throw invalidToken();
      const outcome = await runner.run(
        userId,
        (state) => {
          // A token confirms the address it was sent to, and no later one.
          if (isActive(state) && state.email !== claims.email) throw invalidToken();
          return { type: 'ConfirmEmail', now: now() };
        },
        { ...caller, actor: caller.actor ?? userId },
      );
      return committed(outcome);
    },

    async changePassword(
      userId: string,
      passwords: { currentPassword: string; newPassword: string },
      caller: Caller,
    ): Promise<CommandResponse> {
      if (caller.principal?.subject !== userId) {
        throw new ApplicationError('FORBIDDEN', 'only the user can change their own password');
      }
      const passwordHash = await deps.passwords.hash(passwords.newPassword);
      const outcome = await runner.run(
        userId,
        async (state) => {
          if (!isActive(state) || !(await deps.passwords.verify(passwords.currentPassword, state.passwordHash))) {
            throw invalidCredentials();
          }
          return { type: 'ChangePassword', now: now(), passwordHash };
        },
        caller,
      );
      return committed(outcome);
    },

    /**
     * Always succeeds from the caller's point of view, so it cannot be used to probe for accounts: the
     * answer comes right after the lookup, known address or not, and the reset itself (an event and a mail)
     * is made after it (or, with `anonymousAnswerFloorMs`, within the floor). The idempotency key is not
     * used: asking again is harmless by itself (it changes nothing while a token is pending), and a key
     * remembered only for known addresses would tell them apart.
     */
    async requestPasswordReset(email: string, caller: Caller): Promise<void> {
      const startedAt = floorTimer.now();
      const userId = await deps.eventStore.lookupClaim(emailKey(email));
      const { idempotency: _unused, ...context } = caller;
      await anonymousWork(
        'a password reset',
        startedAt,
        userId === undefined ? undefined : () => issuePasswordReset(userId, { ...context, actor: caller.actor ?? userId }),
      );
    },

    /**
     * Sends the confirmation mail again, to a registered address not yet confirmed. Like a reset request, it
     * answers alike for every address, and sends after the answer (or within the floor).
     */
    async resendEmailConfirmation(email: string): Promise<void> {
      const startedAt = floorTimer.now();
      const userId = await deps.eventStore.lookupClaim(emailKey(email));
      await anonymousWork(
        'sending a confirmation again',
        startedAt,
        userId === undefined
          ? undefined
          : async () => {
              const { state } = await states.load(userId);
              if (state.status === 'registered') await deps.resendConfirmation(userId, state.email);
            },
      );
    },

    async completePasswordReset(token: string, newPassword: string, caller: Caller): Promise<void> {
      const userId = token.slice(0, Math.max(0, token.indexOf('.')));
      if (!/^[\w-]{1,64}$/.test(userId)) throw invalidToken();
      const passwordHash = await deps.passwords.hash(newPassword);
      let outcome: CommandOutcome;
      try {
        outcome = await runner.run(
          userId,
          () => ({ type: 'CompletePasswordReset', now: now(), tokenHash: hashToken(token), passwordHash }),
          { ...caller, actor: caller.actor ?? userId },
        );
      } catch (cause) {
        // Unknown, removed, wrong or expired: the holder of a bad token learns nothing more than that.
        if (isUserDomainError(cause)) throw new ApplicationError('INVALID_TOKEN', 'the token is not valid', { cause });
        throw cause;
      }
      await committed(outcome);
    },

    async remove(userId: string, caller: Caller): Promise<CommandResponse> {
      requireSelfOrAdmin(caller.principal, userId);
      const outcome = await runner.run(userId, () => ({ type: 'RemoveUser', now: now() }), caller);
      return committed(outcome);
    },

    /**
     * Erases the user: removes them if that has not happened yet and records the `UserErased` tombstone (one
     * append), then destroys their data key and scrubs their views. The user themself must give the current
     * password; an admin may erase any user, a removed one included. Erasing an erased user again only
     * repeats the destruction, so a retry after a failure part way through finishes the job.
     */
    async erase(userId: string, currentPassword: string | undefined, caller: Caller): Promise<void> {
      requireSelfOrAdmin(caller.principal, userId);
      const self = caller.principal?.role !== 'admin';
      if (self && currentPassword === undefined) {
        throw new ApplicationError('VALIDATION_FAILED', 'currentPassword is required to erase your own account');
      }
      const outcome = await runner.run(
        userId,
        async (state) => {
          if (self && (!isActive(state) || !(await deps.passwords.verify(currentPassword ?? '', state.passwordHash)))) {
            throw invalidCredentials();
          }
          return { type: 'EraseUser', now: now() };
        },
        caller,
      );
      await committed(outcome);
      await deps.eraser.forget(userId);
    },

    /**
     * The user's state at `version`. Mail of an event is mostly made right after its commit, when the cached
     * fold is at that very version: then nothing is read but the (empty) tail. Otherwise the history up to it.
     */
    async stateAt(userId: string, version: number): Promise<UserState> {
      const loaded = await states.load(userId);
      if (loaded.version === version) return loaded.state;
      return foldAll(await deps.eventStore.readStream(userId, { toVersion: version })).state;
    },

    /** Waits for work this layer started in the background (resets, snapshot writes), e.g. before the stores close. */
    async flush(): Promise<void> {
      while (background.size > 0) await Promise.all(background);
      await deps.pending?.();
      await states.flush();
    },
  };
}

export type UserApplication = ReturnType<typeof createUserApplication>;

/** Folds stored events into the view, with the same code the read model uses. */
function viewOf(history: readonly StoredEvent[]): UserView | undefined {
  let view: UserView | undefined;
  for (const event of history) view = applyToView(view, event);
  return view;
}

function isVisible(view: UserView): view is UserView & { status: PublicUserView['status'] } {
  return view.status !== 'removed';
}

function publicView(view: UserView & { status: PublicUserView['status'] }): PublicUserView {
  return { ...view, status: view.status };
}

function visible(view: UserView | undefined): PublicUserView {
  if (view === undefined || !isVisible(view)) throw notFound();
  return publicView(view);
}

function requireSelfOrAdmin(principal: Principal | undefined, userId: string): void {
  if (principal === undefined) throw new ApplicationError('UNAUTHORIZED', 'sign in first');
  if (principal.role !== 'admin' && principal.subject !== userId) {
    throw new ApplicationError('FORBIDDEN', 'you may only act on your own account');
  }
}

function definedOnly<T extends object>(input: T): Partial<T> {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)) as Partial<T>;
}


/** A UUID-shaped id derived from an idempotency key with a keyed hash. */
function stableId(secret: string, key: string): string {
  const hex = createHmac('sha256', secret).update(`user-id:${key}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const notFound = () => new ApplicationError('USER_NOT_FOUND', 'no such user');
const invalidToken = () => new ApplicationError('INVALID_TOKEN', 'the token is not valid');
const invalidCredentials = () =>
  new ApplicationError('INVALID_CREDENTIALS', 'the email address or the password is wrong');
