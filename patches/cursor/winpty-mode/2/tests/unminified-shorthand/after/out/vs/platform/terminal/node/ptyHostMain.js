/*---------------------------------------------------------------------------------------------
 *  Fixture pty host written for patcher's tests (MIT): an unminified build, whose
 *  node-pty options name useConpty in shorthand.
 *--------------------------------------------------------------------------------------------*/
export function ptyOptions(name, cwd, env, cols, rows, useConpty) {
	return { name, cwd, env, cols, rows, useConpty:((process.platform==="win32"&&process.env.PATCHER_WINPTY!=="0")?false:(useConpty)) };
}

export function backend(options) {
	return 'useConpty' in options && options.useConpty ? 'conpty' : 'winpty';
}
