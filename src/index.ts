/**
 * JupyterLab plugins of jupyter_prod_ext. Only wiring lives here: state is in
 * `model.ts`/`manager.ts`, requests in `api.ts`, commands in `commands.ts`
 * (a table over the flows in `flows/`), views in `widgets/`.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

// Activation needs the modules marked `needed at activation` at once: it
// provides the manager, registers the commands and adds the panel to the
// sidebar (restored with the layout), so they cannot load lazily.
// eslint-disable-next-line jupyter/prefer-lazy-imports -- needed at activation
import { API_VERSION, ApiError, ProdApi } from './api';
// eslint-disable-next-line jupyter/prefer-lazy-imports -- needed at activation
import { addCommands } from './commands';
// eslint-disable-next-line jupyter/prefer-lazy-imports -- needed at activation
import { notifyError } from './flows/context';
// eslint-disable-next-line jupyter/prefer-lazy-imports -- needed at activation
import { ReadinessManager } from './manager';
// eslint-disable-next-line jupyter/prefer-lazy-imports -- needed at activation
import { createPanelActions } from './panelActions';
import type { ReadinessModel } from './model';
import {
  DEFAULT_SETTINGS,
  IProdSettings,
  IReadinessManager,
  PANEL_ID,
  PanelSection,
  PLUGIN_ID,
  TRANSLATION_DOMAIN
} from './tokens';
import { FRONTEND_VERSION } from './version';
import { CellMarkers } from './widgets/cellMarkers';
// eslint-disable-next-line jupyter/prefer-lazy-imports -- needed at activation
import { ReadinessPanel } from './widgets/ReadinessPanel';

export * from './tokens';

/** Read our settings, falling back to the defaults for missing/bad values. */
function readSettings(settings: ISettingRegistry.ISettings): IProdSettings {
  const get = <K extends keyof IProdSettings>(key: K): IProdSettings[K] => {
    const value = settings.get(key).composite;
    const fallback = DEFAULT_SETTINGS[key];
    if (Array.isArray(fallback)) {
      return (
        Array.isArray(value)
          ? value.filter(v => typeof v === 'string')
          : fallback
      ) as IProdSettings[K];
    }
    return (
      typeof value === typeof fallback ? value : fallback
    ) as IProdSettings[K];
  };
  return {
    debounceMs: get('debounceMs'),
    select: get('select'),
    ignore: get('ignore'),
    mypyOnSave: get('mypyOnSave'),
    defaultModuleFolder: get('defaultModuleFolder'),
    codeOnlyCommits: get('codeOnlyCommits')
  };
}

/** Warn once when the server extension is missing or of another version. */
async function checkServerVersion(
  api: ProdApi,
  trans: ReturnType<ITranslator['load']>
): Promise<void> {
  try {
    const info = await api.version();
    if (info.version !== FRONTEND_VERSION || info.api !== API_VERSION) {
      Notification.warning(
        trans.__(
          'jupyter_prod_ext: the server extension is version %1 but the JupyterLab extension is version %2; reinstall the package and restart Jupyter.',
          info.version,
          FRONTEND_VERSION
        ),
        { autoClose: false }
      );
    }
  } catch (error) {
    if (error instanceof ApiError) {
      Notification.warning(error.message, { autoClose: false });
    } else {
      console.warn('jupyter_prod_ext: version check failed', error);
    }
  }
}

/** Call `fn` for every model of an open notebook: those already open, then each new one. */
function forEachModel(
  manager: ReadinessManager,
  tracker: INotebookTracker,
  fn: (panel: NotebookPanel, model: ReadinessModel) => void
): void {
  manager.modelAdded.connect((_, { panel, model }) => fn(panel, model));
  // notebooks the manager saw before this connection
  tracker.forEach(panel => {
    const model = manager.modelFor(panel);
    if (model) {
      fn(panel, model);
    }
  });
}

/**
 * Errors of automatic checks: one notification per distinct message, so
 * typing in a notebook the server cannot check does not flood the screen;
 * a good answer of any notebook lets the same message show again.
 */
function notifyAutoCheckErrors(
  manager: ReadinessManager,
  tracker: INotebookTracker
): void {
  let lastAutoError = '';
  manager.autoCheckFailed.connect((_, { error }) => {
    if (error.message !== lastAutoError) {
      lastAutoError = error.message;
      notifyError(error);
    }
  });
  forEachModel(manager, tracker, (_, model) => {
    model.stateChanged.connect(() => {
      if (!model.error) {
        lastAutoError = '';
      }
    });
  });
}

/** Apply the user's settings now and on every change. */
function followSettings(
  registry: ISettingRegistry,
  manager: ReadinessManager
): void {
  registry
    .load(PLUGIN_ID)
    .then(settings => {
      const apply = () => {
        manager.settings = readSettings(settings);
      };
      apply();
      settings.changed.connect(apply);
    })
    .catch(reason => {
      console.error(
        `jupyter_prod_ext: failed to load the settings of ${PLUGIN_ID}`,
        reason
      );
    });
}

const plugin: JupyterFrontEndPlugin<IReadinessManager> = {
  id: PLUGIN_ID,
  description:
    'Production readiness of notebooks: findings panel, cell markers, black formatting and waivers.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ITranslator, ICommandPalette, ILayoutRestorer, ISettingRegistry],
  provides: IReadinessManager,
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    translator: ITranslator | null,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    settingRegistry: ISettingRegistry | null
  ): IReadinessManager => {
    const trans = (translator ?? nullTranslator).load(TRANSLATION_DOMAIN);
    const api = new ProdApi(app.serviceManager.serverSettings);
    const manager = new ReadinessManager({
      api,
      tracker,
      fileChanged: app.serviceManager.contents.fileChanged
    });

    notifyAutoCheckErrors(manager, tracker);

    let readinessPanel: ReadinessPanel | null = null;
    const ctx = {
      app,
      manager,
      tracker,
      trans,
      palette,
      showSection: (section: PanelSection) => {
        if (readinessPanel) {
          readinessPanel.section = section;
        }
        app.shell.activateById(PANEL_ID);
      }
    };
    const actions = createPanelActions(ctx);

    forEachModel(manager, tracker, (panel, model) => {
      new CellMarkers(panel, model, () => {
        app.shell.activateById(PANEL_ID);
      });
    });

    const panel = new ReadinessPanel({ manager, actions, trans });
    readinessPanel = panel;
    app.shell.add(panel, 'left', { rank: 600 });
    if (restorer) {
      restorer.add(panel, PANEL_ID);
    }

    addCommands(ctx);

    if (settingRegistry) {
      followSettings(settingRegistry, manager);
    }

    void app.restored.then(() => checkServerVersion(api, trans));

    return manager;
  }
};

export default [plugin];
