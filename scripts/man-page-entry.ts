// Bundled and run by scripts/build.mjs: prints the manual page of every declared command.
import { buildProgram } from '../src/cli/program.js';
import { renderManPage } from '../src/cli/man-page.js';
import { gitTrackVersion } from '../src/version.js';

process.stdout.write(renderManPage(buildProgram(), gitTrackVersion()));
