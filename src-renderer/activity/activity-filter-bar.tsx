import { useEffect, useRef, useState, type RefObject } from 'react';
import type { UserSummary } from '../../src-main/contract/analytics';
import { EVENT_CATEGORIES, EVENT_TYPES, type EventCategory } from '../../src-main/contract/taxonomy';
import { useClient } from '../api/client-context';
import { colourOf } from '../components/category-badge';
import { DateField } from '../components/date-field';
import { SearchIcon } from '../components/icons';
import { useDebounced } from '../lib/use-debounced';
import { conditionOf, idsOf, isFiltered, NO_FILTERS, type ActivityFilters } from './activity-filters';
import { MultiPicker } from './multi-picker';

/** The name an auditor knows a user by. */
export const userLabel = (user: UserSummary): string => user.user_name ?? user.email ?? `User #${user.id}`;

/** The users on offer in pickers, fetched once per screen; empty while loading or when the source has none. */
export function useUsers(): UserSummary[] {
  const { client } = useClient();
  const [users, setUsers] = useState<UserSummary[]>([]);
  useEffect(() => {
    let live = true;
    client['users/list']({})
      .then((list) => live && setUsers(list.items))
      .catch(() => live && setUsers([]));
    return () => {
      live = false;
    };
  }, [client]);
  return users;
}

function useMetadataKeys(eventTypes: string[]): string[] {
  const { client } = useClient();
  const [keys, setKeys] = useState<string[]>([]);
  const typesKey = eventTypes.join(',');
  useEffect(() => {
    let live = true;
    client['activity/metadata-keys']({ eventTypes: typesKey ? typesKey.split(',') : undefined })
      .then((answer) => live && setKeys(answer.keys.map((k) => k.key)))
      .catch(() => live && setKeys([]));
    return () => {
      live = false;
    };
  }, [client, typesKey]);
  return keys;
}

/** Text typed into a field reaches the URL after a pause; a URL change (Back, a link) only updates the field. */
function useTypedParam(value: string, apply: (text: string) => void, delayMs = 300) {
  const [text, setText] = useState(value);
  const debounced = useDebounced(text, delayMs);
  const applyRef = useRef(apply);
  applyRef.current = apply;
  useEffect(() => setText((current) => (current.trim() === value.trim() ? current : value)), [value]);
  const last = useRef(debounced);
  useEffect(() => {
    if (debounced === last.current) return;
    last.current = debounced;
    if (debounced.trim() !== value.trim()) applyRef.current(debounced);
  }, [debounced, value]);
  return [text, setText] as const;
}

/** `/` focuses the description filter, as the sidebar's hint promises; typing in a field keeps its `/`. */
function useSlashFocus(ref: RefObject<HTMLInputElement | null>) {
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      const typing = target?.closest('input, textarea, select, [contenteditable="true"]');
      if (event.key !== '/' || typing || event.ctrlKey || event.metaKey || event.altKey) return;
      event.preventDefault();
      ref.current?.focus();
      ref.current?.select();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [ref]);
}

export interface ActivityFilterBarProps {
  filters: ActivityFilters;
  setFilters(next: ActivityFilters): void;
}

export function ActivityFilterBar({ filters, setFilters }: ActivityFilterBarProps) {
  const users = useUsers();
  const keys = useMetadataKeys(filters.eventTypes);
  const latest = useRef(filters);
  latest.current = filters;
  const update = (patch: Partial<ActivityFilters>) => setFilters({ ...latest.current, ...patch });

  const [text, setText] = useTypedParam(filters.text, (value) => update({ text: value.trim() }));
  const textRef = useRef<HTMLInputElement>(null);
  useSlashFocus(textRef);
  const [emailText, setEmailText] = useTypedParam(filters.emailIds.join(', '), (value) => update({ emailIds: idsOf(value) }), 500);
  const [metaKey, setMetaKey] = useState('');
  const [metaValue, setMetaValue] = useState('');
  const chosenKey = metaKey || keys[0] || '';

  const addCondition = () => {
    const condition = conditionOf(`${chosenKey}=${metaValue}`);
    if (!condition || !metaValue.trim()) return;
    const exists = filters.metadata.some((c) => c.key === condition.key && c.value === condition.value);
    if (!exists) update({ metadata: [...filters.metadata, condition].slice(0, 10) });
    setMetaValue('');
  };
  const toggleCategory = (category: EventCategory) => {
    const has = filters.eventCategories.includes(category);
    update({ eventCategories: has ? filters.eventCategories.filter((c) => c !== category) : [...filters.eventCategories, category] });
  };
  const typeOptions = [...new Set<string>([...EVENT_TYPES, ...filters.eventTypes])].map((type) => ({ value: type, label: type }));
  const userOptions = [
    ...users.map((user) => ({ value: user.id, label: userLabel(user) })),
    ...filters.userIds.filter((id) => !users.some((user) => user.id === id)).map((id) => ({ value: id, label: `User #${id}` })),
  ];

  return (
    <div className="filters filters--explorer" role="group" aria-label="Filters">
      <div className="filters__row">
        <MultiPicker
          label="Event type"
          anyLabel="All event types"
          options={typeOptions}
          selected={filters.eventTypes}
          onChange={(eventTypes) => update({ eventTypes })}
          testId="filter-event-type"
        />
        <MultiPicker
          label="User"
          anyLabel="Anyone"
          options={userOptions}
          selected={filters.userIds}
          onChange={(userIds) => update({ userIds })}
          testId="filter-user"
        />
        <div className="chips" role="group" aria-label="Event categories">
          {EVENT_CATEGORIES.map((category) => {
            const active = filters.eventCategories.includes(category);
            return (
              <button
                key={category}
                type="button"
                className={`chip${active ? ' is-active' : ''}`}
                data-colour={colourOf(category)}
                aria-pressed={active}
                onClick={() => toggleCategory(category)}
                data-testid={`filter-category-${category}`}
              >
                <span className="chip__dot" aria-hidden="true" />
                {category}
              </button>
            );
          })}
        </div>
      </div>
      <div className="filters__row">
        <label className="field field--search">
          <SearchIcon className="field__icon" width={14} height={14} />
          <input
            ref={textRef}
            type="search"
            className="field__input"
            placeholder="Text in the description"
            aria-keyshortcuts="/"
            title="Text in the description (press / to come here)"
            aria-label="Text in the description"
            value={text}
            maxLength={200}
            onChange={(event) => setText(event.target.value)}
            data-testid="filter-text"
            spellCheck={false}
          />
        </label>
        <label className="field">
          <span className="filter-select__label">Emails</span>
          <input
            className="field__input field__input--ids mono"
            placeholder="ids, e.g. 1042, 1043"
            aria-label="Email ids"
            value={emailText}
            onChange={(event) => setEmailText(event.target.value)}
            data-testid="filter-email"
            spellCheck={false}
            inputMode="numeric"
          />
        </label>
        {/* From and To wrap together, never one above the other. */}
        <div className="filters__range" role="group" aria-label="Date range">
          <label className="field">
            <span className="filter-select__label">From</span>
            <DateField
              value={filters.from.slice(0, 10)}
              max={filters.to.slice(0, 10) || undefined}
              onChange={(from) => update({ from })}
              data-testid="filter-from"
            />
          </label>
          <label className="field">
            <span className="filter-select__label">To</span>
            <DateField
              value={filters.to.slice(0, 10)}
              min={filters.from.slice(0, 10) || undefined}
              onChange={(to) => update({ to })}
              data-testid="filter-to"
            />
          </label>
        </div>
        <form
          className="field field--meta"
          onSubmit={(event) => {
            event.preventDefault();
            addCondition();
          }}
        >
          <span className="filter-select__label">Metadata</span>
          <select
            className="field__input"
            value={chosenKey}
            onChange={(event) => setMetaKey(event.target.value)}
            aria-label="Metadata key"
            data-testid="filter-meta-key"
            disabled={keys.length === 0}
          >
            {keys.length === 0 && <option value="">no keys</option>}
            {keys.map((key) => (
              <option key={key} value={key}>
                {key}
              </option>
            ))}
          </select>
          <span className="field__eq" aria-hidden="true">
            =
          </span>
          <input
            className="field__input field__input--value"
            placeholder="value"
            aria-label="Metadata value"
            value={metaValue}
            maxLength={500}
            onChange={(event) => setMetaValue(event.target.value)}
            data-testid="filter-meta-value"
            spellCheck={false}
          />
          <button type="submit" className="button button--secondary button--sm" disabled={!chosenKey || !metaValue.trim()} data-testid="filter-meta-add">
            Add
          </button>
        </form>
      </div>
      {(filters.metadata.length > 0 || isFiltered(filters)) && (
        <div className="filters__row">
          {filters.metadata.map((condition) => (
            <span key={`${condition.key}=${condition.value}`} className="condition" data-testid="filter-meta-chip">
              <span className="mono">
                {condition.key} = {condition.value}
              </span>
              <button
                type="button"
                className="condition__remove"
                aria-label={`Remove ${condition.key} = ${condition.value}`}
                onClick={() => update({ metadata: filters.metadata.filter((c) => c !== condition) })}
              >
                ×
              </button>
            </span>
          ))}
          {isFiltered(filters) && (
            <button
              type="button"
              className="link-button"
              onClick={() => {
                setText('');
                setEmailText('');
                setFilters({ ...NO_FILTERS, live: filters.live });
              }}
              data-testid="filter-clear"
            >
              Clear filters
            </button>
          )}
        </div>
      )}
    </div>
  );
}
