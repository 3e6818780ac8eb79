/*---------------------------------------------------------------------------------------------
 *  Fixture pty host written for patcher's tests (MIT): an unminified build.
 *--------------------------------------------------------------------------------------------*/
import { spawn } from 'node-pty';
import { isWindows } from '../../../base/common/platform.js';
import { getWindowsBuildNumber } from './terminalEnvironment.js';

export class TerminalProcess {
	constructor(shellLaunchConfig, cwd, cols, rows, env, options) {
		const name = isWindows ? 'xterm-color' : 'xterm-256color';
		const useConpty = options.windowsEnableConpty && process.platform === 'win32' && getWindowsBuildNumber() >= 18309;
		const useConptyDll = useConpty && options.windowsUseConptyDll;
		this._ptyOptions = {
			name,
			cwd,
			env,
			cols,
			rows,
			useConpty:((process.platform==="win32"&&process.env.PATCHER_WINPTY!=="0")?false:(useConpty)),
			useConptyDll,
			// This option will force conpty to not redraw the whole viewport on launch
			conptyInheritCursor: useConpty && !!shellLaunchConfig.initialText
		};
	}

	getWindowsPty() {
		return isWindows ? {
			backend: 'useConpty' in this._ptyOptions && this._ptyOptions.useConpty ? 'conpty' : 'winpty',
			buildNumber: getWindowsBuildNumber()
		} : undefined;
	}

	start(file, args) {
		return spawn(file, args, this._ptyOptions);
	}
}
