import { Dialog } from '../common/Dialog';
import { t } from '../i18n/i18n';
import './inbox-extras.css';

const shortcuts = () =>
  [
    { keys: 'j', does: t('shortcuts.next') },
    { keys: 'k', does: t('shortcuts.previous') },
    { keys: 'r', does: t('shortcuts.reply') },
    { keys: 'n', does: t('shortcuts.note') },
    { keys: 'e', does: t('shortcuts.close') },
    { keys: '/', does: t('shortcuts.search') },
    { keys: '?', does: t('shortcuts.help') },
  ] as const;

/** The keyboard shortcuts of the inbox (`?`); loaded the first time it is asked for. */
export function ShortcutsHelp(props: { onClose: () => void }) {
  return (
    <Dialog
      title={t('shortcuts.title')}
      onClose={props.onClose}
      actions={
        <button type="button" onClick={props.onClose}>
          {t('common.close')}
        </button>
      }
    >
      <p className="muted">{t('shortcuts.intro')}</p>
      <dl className="shortcuts">
        {shortcuts().map((shortcut) => (
          <div key={shortcut.keys}>
            <dt>
              <kbd>{shortcut.keys}</kbd>
            </dt>
            <dd>{shortcut.does}</dd>
          </div>
        ))}
      </dl>
    </Dialog>
  );
}
