import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { type DragEvent, useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { api, describeError, withQuery } from '../api/client';
import { keys } from '../api/queries';
import { ErrorNote, QueryError } from '../common/feedback';
import { contactName } from '../common/format';
import { t } from '../i18n/i18n';
import { type ContactSummary, type Stage, useStages } from './contact-api';

const PAGE = 20;
const DRAG_TYPE = 'application/x-leadline-contact';

interface Move {
  contact: ContactSummary;
  to: Stage;
}

/**
 * The pipeline board: a column per stage, a card per contact (newest first, "Show more" per column).
 * A card moves by drag and drop, or with its "Move to" menu (the keyboard way); both call the contact's
 * stage change, and live events keep every open board current.
 */
export function Board() {
  const stages = useStages();
  const client = useQueryClient();
  const [announcement, setAnnouncement] = useState('');
  // After a move, focus goes to the column the card went to (its card left the column it was in).
  const [focusStage, setFocusStage] = useState<{ id: string } | null>(null);
  const move = useMutation({
    mutationFn: ({ contact, to }: Move) => api('PATCH', `/contacts/${contact.id}`, { stageId: to.id }),
    onSuccess: (_result, { contact, to }) => {
      setAnnouncement(t('board.moved', { name: contactName(contact), stage: to.name }));
      setFocusStage({ id: to.id });
    },
    onSettled: () => void client.invalidateQueries({ queryKey: keys.contactLists }),
  });
  const moveTo = (contact: ContactSummary, stageId: string) => {
    const to = stages.data?.find((stage) => stage.id === stageId);
    if (to) move.mutate({ contact, to });
  };
  return (
    <>
      <ErrorNote
        message={stages.error ? describeError(stages.error) : move.error ? describeError(move.error) : null}
      />
      <p className="visually-hidden" role="status">
        {announcement}
      </p>
      <div className="board">
        {stages.data?.map((stage, index) => (
          <BoardColumn
            key={stage.id}
            stage={stage}
            first={index === 0}
            stages={stages.data}
            focus={focusStage?.id === stage.id ? focusStage : null}
            onMove={moveTo}
          />
        ))}
      </div>
    </>
  );
}

function BoardColumn(props: {
  stage: Stage;
  first: boolean;
  stages: Stage[];
  focus: { id: string } | null;
  onMove: (contact: ContactSummary, stageId: string) => void;
}) {
  const { stage, focus } = props;
  const [over, setOver] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (focus) heading.current?.focus();
  }, [focus]);
  const cards = useInfiniteQuery({
    queryKey: [...keys.contactLists, 'board', stage.id],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) =>
      api<{ items: ContactSummary[]; nextCursor: string | null }>(
        'GET',
        withQuery('/contacts', { stageId: stage.id, limit: PAGE, cursor: pageParam }),
        undefined,
        { signal },
      ),
    getNextPageParam: (last) => last.nextCursor,
  });
  const contacts = cards.data?.pages.flatMap((page) => page.items) ?? [];
  const drop = (event: DragEvent) => {
    event.preventDefault();
    setOver(false);
    const raw = event.dataTransfer.getData(DRAG_TYPE);
    if (!raw) return;
    let contact: ContactSummary;
    try {
      contact = JSON.parse(raw) as ContactSummary;
    } catch {
      return;
    }
    const current = contact.stageId ?? props.stages[0]?.id;
    if (current !== stage.id) props.onMove(contact, stage.id);
  };
  const headingId = `board-stage-${stage.id}`;
  return (
    <section
      className={`board-column${over ? ' drop-target' : ''}`}
      aria-labelledby={headingId}
      onDragOver={(event) => {
        if (!event.dataTransfer.types.includes(DRAG_TYPE)) return;
        event.preventDefault();
        event.dataTransfer.dropEffect = 'move';
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={drop}
      data-stage={stage.name}
    >
      <h2 id={headingId} ref={heading} tabIndex={-1}>
        {stage.name}
      </h2>
      <QueryError query={cards} />
      <ul className="board-cards">
        {contacts.map((contact) => (
          <li
            key={contact.id}
            className="board-card"
            draggable
            onDragStart={(event) => {
              event.dataTransfer.setData(DRAG_TYPE, JSON.stringify(contact));
              event.dataTransfer.effectAllowed = 'move';
            }}
          >
            <Link to={`/contacts/${contact.id}`}>{contactName(contact)}</Link>
            <span className="muted">{contact.company ?? contact.phoneE164}</span>
            <label className="visually-hidden" htmlFor={`move-${contact.id}`}>
              {t('board.moveNamed', { name: contactName(contact) })}
            </label>
            <select
              id={`move-${contact.id}`}
              value=""
              onChange={(event) => props.onMove(contact, event.target.value)}
            >
              <option value="">{t('board.moveTo')}</option>
              {props.stages
                .filter((other) => other.id !== stage.id)
                .map((other) => (
                  <option key={other.id} value={other.id}>
                    {other.name}
                  </option>
                ))}
            </select>
          </li>
        ))}
      </ul>
      {cards.data && contacts.length === 0 && <p className="muted">{t('board.empty')}</p>}
      {cards.hasNextPage && (
        <button type="button" disabled={cards.isFetchingNextPage} onClick={() => void cards.fetchNextPage()}>
          {t('board.showMore')}
          <span className="visually-hidden"> {t('board.inStage', { stage: stage.name })}</span>
        </button>
      )}
    </section>
  );
}
