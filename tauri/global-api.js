// tauri-plugin-upkit's global API: `window.__TAURI_PLUGIN_UPDATER__` (also `window.__TAURI__.updater`)
// for apps without a bundler (`app.withGlobalTauri: true`), with the names and behaviour of
// `@tauri-apps/plugin-updater` 2.x: `check(options)` resolves to an `Update` or `null`; an `Update`
// has `download(onEvent, options)`, `install(options)`, `downloadAndInstall(onEvent, options)` and
// `close()`. Tauri injects it after its own global API (`window.__TAURI__.core`).
if ('__TAURI__' in window) {
  var __TAURI_PLUGIN_UPDATER__ = (function (core) {
    'use strict';

    // Rust takes headers as [name, value] pairs; any `HeadersInit` is accepted here.
    function pairs(headers) {
      return headers ? Array.from(new Headers(headers).entries()) : undefined;
    }

    function eventChannel(onEvent) {
      const channel = new core.Channel();
      if (onEvent) channel.onmessage = onEvent;
      return channel;
    }

    class Update extends core.Resource {
      // The downloaded artifact (a verified file held by the plugin), once `download` ran.
      #artifact;

      constructor(metadata) {
        super(metadata.rid);
        this.available = true;
        this.currentVersion = metadata.currentVersion;
        this.version = metadata.version;
        this.date = metadata.date;
        this.body = metadata.body;
        this.rawJson = metadata.rawJson;
      }

      async download(onEvent, options) {
        const artifactRid = await core.invoke('plugin:updater|download', {
          ...options,
          rid: this.rid,
          onEvent: eventChannel(onEvent),
          headers: pairs(options && options.headers),
        });
        // A second download replaces the first, whose file is released.
        const previous = this.#artifact;
        this.#artifact = new core.Resource(artifactRid);
        if (previous) await previous.close().catch(() => {});
      }

      async install(options) {
        if (!this.#artifact) {
          throw new Error('Update.install called before Update.download');
        }
        await core.invoke('plugin:updater|install', {
          ...options,
          updateRid: this.rid,
          bytesRid: this.#artifact.rid,
        });
        // The plugin released the artifact once it was installed.
        this.#artifact = undefined;
      }

      async downloadAndInstall(onEvent, options) {
        await core.invoke('plugin:updater|download_and_install', {
          ...options,
          rid: this.rid,
          onEvent: eventChannel(onEvent),
          headers: pairs(options && options.headers),
        });
      }

      async close() {
        if (this.#artifact) await this.#artifact.close();
        this.#artifact = undefined;
        await super.close();
      }
    }

    async function check(options) {
      const metadata = await core.invoke('plugin:updater|check', {
        ...options,
        headers: pairs(options && options.headers),
      });
      return metadata ? new Update(metadata) : null;
    }

    return { check, Update };
  })(window.__TAURI__.core);
  Object.defineProperty(window.__TAURI__, 'updater', { value: __TAURI_PLUGIN_UPDATER__ });
}
