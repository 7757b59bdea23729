/**
 * /usr/share/doc/<package>/copyright in the machine-readable format (DEP-5). Licences that Debian
 * ships in /usr/share/common-licenses are referenced there; short permissive ones are written out.
 */

interface KnownLicense {
  dep5: string;
  commonLicense?: string;
  text?: string;
}

const EXPAT_TEXT = `Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:
.
The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.
.
THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.`;

// Debian deprecated /usr/share/common-licenses/BSD (it names the Regents of the University of
// California), so the three-clause text is written out with a neutral holder.
const BSD_3_CLAUSE_TEXT = `Redistribution and use in source and binary forms, with or without
modification, are permitted provided that the following conditions are met:
.
1. Redistributions of source code must retain the above copyright notice, this
   list of conditions and the following disclaimer.
.
2. Redistributions in binary form must reproduce the above copyright notice,
   this list of conditions and the following disclaimer in the documentation
   and/or other materials provided with the distribution.
.
3. Neither the name of the copyright holder nor the names of its contributors
   may be used to endorse or promote products derived from this software
   without specific prior written permission.
.
THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS"
AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE
IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE
DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR CONTRIBUTORS BE LIABLE
FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL
DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR
SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER
CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY,
OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE
OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.`;

function known(name: string): KnownLicense | undefined {
  const key = name.toLowerCase().replace(/\s+/g, ' ').replace(/^the /, '').replace(/ license$/, '');
  if (/^apache(-| )?(license )?(version )?2(\.0)?$/.test(key) || key === 'apache-2.0' || key === 'apache 2.0' || key === 'apache2') {
    return { dep5: 'Apache-2.0', commonLicense: 'Apache-2.0' };
  }
  if (/^(bsd|bsd-3-clause|bsd 3-clause|bsd-3|3-clause bsd)$/.test(key)) return { dep5: 'BSD-3-clause', text: BSD_3_CLAUSE_TEXT };
  if (/^(mit|expat)$/.test(key)) return { dep5: 'Expat', text: EXPAT_TEXT };
  if (/^(gpl-?2(\.0)?(-only)?|gplv2)$/.test(key)) return { dep5: 'GPL-2', commonLicense: 'GPL-2' };
  if (/^(gpl-?2(\.0)?(\+|-or-later)|gplv2\+)$/.test(key)) return { dep5: 'GPL-2+', commonLicense: 'GPL-2' };
  if (/^(gpl-?3(\.0)?(-only)?|gplv3)$/.test(key)) return { dep5: 'GPL-3', commonLicense: 'GPL-3' };
  if (/^(gpl-?3(\.0)?(\+|-or-later)|gplv3\+)$/.test(key)) return { dep5: 'GPL-3+', commonLicense: 'GPL-3' };
  if (/^(lgpl-?2\.1(-only)?|lgplv2\.1)$/.test(key)) return { dep5: 'LGPL-2.1', commonLicense: 'LGPL-2.1' };
  if (/^(lgpl-?3(\.0)?(-only)?|lgplv3)$/.test(key)) return { dep5: 'LGPL-3', commonLicense: 'LGPL-3' };
  if (/^(mpl-?2(\.0)?)$/.test(key)) return { dep5: 'MPL-2.0', commonLicense: 'MPL-2.0' };
  return undefined;
}

export function renderCopyright(options: { upstreamName: string; source?: string; holders: string[]; licenses: string[]; year: number }): string {
  const licenses = options.licenses.map((name) => ({ name, info: known(name) }));
  const shortNames = licenses.map((l) => l.info?.dep5 ?? l.name.replace(/\s+/g, '-'));
  const lines = [
    'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/',
    `Upstream-Name: ${options.upstreamName}`,
    ...(options.source ? [`Source: ${options.source}`] : []),
    '',
    'Files: *',
    `Copyright: ${options.holders.map((h, i) => `${i === 0 ? '' : '           '}${options.year} ${h}`).join('\n')}`,
    `License: ${shortNames.join(' or ')}`,
  ];
  for (const [index, license] of licenses.entries()) {
    lines.push('', `License: ${shortNames[index]}`);
    if (license.info?.commonLicense) {
      lines.push(` On Debian systems, the complete text of this license can be found in`, ` "/usr/share/common-licenses/${license.info.commonLicense}".`);
    } else if (license.info?.text) {
      lines.push(...license.info.text.split('\n').map((l) => ` ${l}`));
    } else {
      lines.push(` The package.xml of ${options.upstreamName} names the license "${license.name}".`, ` Its full text is distributed with the upstream sources.`);
    }
  }
  return `${lines.join('\n')}\n`;
}
