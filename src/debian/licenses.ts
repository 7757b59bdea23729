/**
 * Licences as Debian's machine-readable copyright format (DEP-5) names them: package.xml's
 * <license> spellings mapped to DEP-5 short names, the files of /usr/share/common-licenses that
 * hold their texts, and the texts of short permissive licences Debian does not ship.
 */

interface KnownLicense {
  /** The DEP-5 short name. */
  dep5: string;
  /** Files under /usr/share/common-licenses holding the text, with what each one is. */
  commonLicenses?: readonly string[];
  /** The text written out, for licences Debian does not ship. */
  text?: string;
  /** Said before the pointer or text (what a versionless or placeholder name means). */
  note?: string;
  /** The <license> is a placeholder: the copyright file says so, `check` and `build` warn. */
  placeholder?: boolean;
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

const BSD_2_CLAUSE_TEXT = `Redistribution and use in source and binary forms, with or without
modification, are permitted provided that the following conditions are met:
.
1. Redistributions of source code must retain the above copyright notice, this
   list of conditions and the following disclaimer.
.
2. Redistributions in binary form must reproduce the above copyright notice,
   this list of conditions and the following disclaimer in the documentation
   and/or other materials provided with the distribution.
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

const BOOST_TEXT = `Permission is hereby granted, free of charge, to any person or organization
obtaining a copy of the software and accompanying documentation covered by
this license (the "Software") to use, reproduce, display, distribute,
execute, and transmit the Software, and to prepare derivative works of the
Software, and to permit third-parties to whom the Software is furnished to
do so, all subject to the following:
.
The copyright notices in the Software and this entire statement, including
the above license grant, this restriction and the following disclaimer,
must be included in all copies of the Software, in whole or in part, and
all derivative works of the Software, unless such copies or derivative
works are solely in the form of machine-executable object code generated by
a source language processor.
.
THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE, TITLE AND NON-INFRINGEMENT. IN NO EVENT
SHALL THE COPYRIGHT HOLDERS OR ANYONE DISTRIBUTING THE SOFTWARE BE LIABLE
FOR ANY DAMAGES OR OTHER LIABILITY, WHETHER IN CONTRACT, TORT OR OTHERWISE,
ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER
DEALINGS IN THE SOFTWARE.`;

const ZLIB_TEXT = `This software is provided 'as-is', without any express or implied
warranty. In no event will the authors be held liable for any damages
arising from the use of this software.
.
Permission is granted to anyone to use this software for any purpose,
including commercial applications, and to alter it and redistribute it
freely, subject to the following restrictions:
.
1. The origin of this software must not be misrepresented; you must not
   claim that you wrote the original software. If you use this software
   in a product, an acknowledgment in the product documentation would be
   appreciated but is not required.
2. Altered source versions must be plainly marked as such, and must not be
   misrepresented as being the original software.
3. This notice may not be removed or altered from any source distribution.`;

/** What catkin_create_pkg, ros2 pkg create and editors leave in <license> until someone decides. */
const PLACEHOLDER = /^(?:todo|tbd|fixme|xxx|unknown|undefined|unspecified|none|n\/?a|license declaration|insert license here)\b/;

/** GNU licences: versions Debian ships in /usr/share/common-licenses. */
const GNU_FAMILIES: Record<'gpl' | 'lgpl', { name: string; versions: ReadonlyMap<string, string> }> = {
  gpl: { name: 'GNU General Public License', versions: new Map([['1', 'GPL-1'], ['2', 'GPL-2'], ['3', 'GPL-3']]) },
  lgpl: { name: 'GNU Lesser General Public License', versions: new Map([['2', 'LGPL-2'], ['2.1', 'LGPL-2.1'], ['3', 'LGPL-3']]) },
};

/**
 * The licence one ROS spelling names: "BSD", "BSD-3-Clause", "Apache License 2.0", "Apache 2.0",
 * "GNU GPLv3", "LGPL-2.1-or-later", "GPL-3.0+", "Mozilla Public License 2.0", "MIT"...
 * Undefined when debforge does not know it (the copyright file then names it as written).
 */
function identifyLicense(spelling: string): KnownLicense | undefined {
  let key = spelling.toLowerCase().replace(/licence/g, 'license').replace(/_/g, '-').replace(/\s+/g, ' ').trim();
  if (PLACEHOLDER.test(key)) {
    return { dep5: 'NOASSERTION', placeholder: true, note: `The package.xml gives "${spelling}" as its license, a placeholder: no license is stated.` };
  }
  key = key.replace(/^(?:the|gnu) /, '').replace(/^gnu /, '').replace(/\blicensed under\b/, '').trim();
  const orLater = /(?:\+|-or-later| or (?:any )?later(?: version)?| and later)$/.test(key);
  key = key.replace(/(?:\+|-or-later| or (?:any )?later(?: version)?| and later|-only| only)$/, '').trim();
  key = key.replace(/\b(?:public )?license\b/g, ' ').replace(/\s+/g, ' ').replace(/[\s,-]+$/, '').trim();

  if (/^(?:bsd[ -]?2[ -]?clause|2[ -]clause bsd|simplified bsd|freebsd)$/.test(key)) return { dep5: 'BSD-2-clause', text: BSD_2_CLAUSE_TEXT };
  if (/^(?:bsd|bsd[ -]?3(?:[ -]?clause)?|3[ -]clause bsd|new bsd|bsd new|modified bsd|revised bsd|bsd[ -]style)$/.test(key)) {
    return { dep5: 'BSD-3-clause', text: BSD_3_CLAUSE_TEXT };
  }
  if (/^(?:mit|expat|mit[ -]style|x11)$/.test(key)) return { dep5: 'Expat', text: EXPAT_TEXT };
  if (/^(?:zlib|zlib\/libpng)$/.test(key)) return { dep5: 'Zlib', text: ZLIB_TEXT };
  if (/^(?:boost|boost software|bsl)(?:[ -]?v?1(?:\.0)?)?$/.test(key)) return { dep5: 'BSL-1.0', text: BOOST_TEXT };
  if (/^(?:cc0|creative commons zero|cc0[ -]?1\.0)$/.test(key)) return { dep5: 'CC0-1.0', commonLicenses: ['CC0-1.0'] };

  const versioned = /^(.*?)[\s-]*(?:version|ver\.?|v)?[\s-]*(\d+(?:\.\d+)*)$/.exec(key);
  const family = (versioned ? versioned[1]! : key).replace(/[\s,-]+$/, '').trim();
  const version = versioned?.[2]?.replace(/\.0$/, '');
  if (/^(?:apache|apache software|asl|al)$/.test(family) && (version === undefined || version === '2')) {
    return { dep5: 'Apache-2.0', commonLicenses: ['Apache-2.0'] };
  }
  if (/^(?:mpl|mozilla|mozilla public)$/.test(family) && (version === undefined || version === '2' || version === '1.1')) {
    const name = version === '1.1' ? 'MPL-1.1' : 'MPL-2.0';
    return { dep5: name, commonLicenses: [name] };
  }
  if (/^(?:agpl|affero general|affero gpl|affero)$/.test(family) && (version === undefined || version === '3')) {
    return {
      dep5: orLater ? 'AGPL-3+' : 'AGPL-3',
      text: `This program is free software: you can redistribute it and/or modify it under the terms of the GNU Affero General Public License as published by the Free Software Foundation, version 3${orLater ? ' or (at your option) any later version' : ''}.\n.\nThe complete text of the license is published at https://www.gnu.org/licenses/agpl-3.0.html`,
    };
  }
  const gnu = /^(?:gpl|general|gnu gpl)$/.test(family) ? 'gpl' : /^(?:lgpl|lesser general|library general|lesser gpl|lesser)$/.test(family) ? 'lgpl' : undefined;
  if (gnu) {
    const { name, versions } = GNU_FAMILIES[gnu];
    if (version === undefined) {
      const files = [...versions.values()];
      return {
        dep5: gnu === 'gpl' ? 'GPL' : 'LGPL',
        commonLicenses: files,
        note: `The package.xml names the ${name} without a version: any version published by the Free Software Foundation applies.`,
      };
    }
    const file = versions.get(version);
    if (file) return { dep5: `${file}${orLater ? '+' : ''}`, commonLicenses: [file], ...(orLater ? { note: `Version ${version} of the ${name} or (at your option) any later version.` } : {}) };
  }
  return undefined;
}

interface LicenseTerm {
  spelling: string;
  info?: KnownLicense;
  shortName: string;
}

/**
 * The licences of a package.xml as one DEP-5 expression: each <license> may list several
 * ("BSD, LGPL", "GPL-2.0 or MIT", "BSD,LGPL,LGPL (amcl)"); several <license> elements all apply.
 */
export function parseLicenses(licenses: readonly string[]): { expression: string; terms: LicenseTerm[] } {
  const terms: LicenseTerm[] = [];
  const parts: string[] = [];
  for (const license of licenses) {
    const text = license
      // "(amcl)": which part of the sources a licence covers, not a licence.
      .replace(/\s*\((?!\s*(?:v|version\s*)?\d)[^)]*\)/gi, '')
      // Commas and "or" inside one licence's name: "Apache License, Version 2.0", "GPL-2 or later".
      .replace(/,\s*(?=(?:version|ver\.?|v)\s*\d)/gi, ' ')
      .replace(/(?:\s+|-)or[\s-]+(?:any\s+)?later(?:\s+version)?\b/gi, '+')
      .trim();
    const pieces = text.split(/\s*(,|;|&|\||\band\b|\bor\b)\s*/i);
    let expression = '';
    let operator = '';
    for (const [index, piece] of pieces.entries()) {
      if (index % 2 === 1) {
        operator = /^(?:or|\|)$/i.test(piece) ? 'or' : 'and';
        continue;
      }
      const spelling = piece.trim();
      if (spelling === '') continue;
      const info = identifyLicense(spelling);
      const shortName = info?.dep5 ?? spelling.replace(/\s+/g, '-').replace(/[(),]/g, '');
      if (!terms.some((t) => t.shortName === shortName)) terms.push({ spelling, ...(info ? { info } : {}), shortName });
      if (expression.split(/ (?:and|or) /).includes(shortName)) continue;
      expression += expression === '' ? shortName : ` ${operator || 'and'} ${shortName}`;
    }
    if (expression !== '' && !parts.includes(expression)) parts.push(expression);
  }
  return { expression: parts.join(' and '), terms };
}

/** The <license> spellings that are placeholders (TODO...), for a warning. */
export function placeholderLicenses(licenses: readonly string[]): string[] {
  return licenses.filter((license) => parseLicenses([license]).terms.some((t) => t.info?.placeholder));
}
