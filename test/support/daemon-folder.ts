import { promises as fs } from 'node:fs';
import path from 'node:path';

/** What a generated daemon folder says about itself. */
interface DaemonSpec {
  name: string;
  version: string;
  description: string;
  maintainer: { name: string; email: string };
  license: string;
  /** package.xml lines after <license> (dependencies, <export>), each ending with a newline. */
  more?: string;
  /** The Description= of its one system unit, which sleeps. */
  unitDescription: string;
}

/** A daemon folder as a user writes one: a format 3 package.xml and etc/<name>.service.in. */
export async function writeDaemonFolder(dir: string, spec: DaemonSpec): Promise<void> {
  await fs.mkdir(path.join(dir, 'etc'), { recursive: true });
  await fs.writeFile(
    path.join(dir, 'package.xml'),
    `<?xml version="1.0"?>
<package format="3">
  <name>${spec.name}</name>
  <version>${spec.version}</version>
  <description>${spec.description}</description>
  <maintainer email="${spec.maintainer.email}">${spec.maintainer.name}</maintainer>
  <license>${spec.license}</license>
${spec.more ?? ''}</package>
`,
  );
  const unit = `[Unit]\nDescription=${spec.unitDescription}\n\n[Service]\nExecStart=/bin/sleep infinity\n\n[Install]\nWantedBy=multi-user.target\n`;
  await fs.writeFile(path.join(dir, 'etc', `${spec.name.replace(/_/g, '-')}.service.in`), unit);
}
