// The update as an app's frontend writes it with `@tauri-apps/plugin-updater`: check, then
// download and install with progress, then tell the app (`report`), which exits 0, 2 or 1.
export async function run(api, check, invoke) {
  const events = [];
  try {
    const update = await check();
    if (!update) {
      await invoke('report', { outcome: { api, status: 'up-to-date', events } });
      return;
    }
    await update.downloadAndInstall((event) => events.push(event));
    await invoke('report', {
      outcome: {
        api,
        status: 'updated',
        currentVersion: update.currentVersion,
        version: update.version,
        date: update.date,
        events,
      },
    });
  } catch (error) {
    await invoke('report', { outcome: { api, status: 'error', error: String(error), events } });
  }
}
