using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace PfaAzureDevOps.Core.Tests.Errors
{
    /// <summary>
    /// Finds, in src/**/*.cs, every place an error id is given (the id argument of a PfaException or EntraSignInException,
    /// of an ErrorRecord, and of the helpers that pass an id through, <see cref="IdPositions"/>) and resolves each to the
    /// ids it can be: a string literal, or a constant (ErrorIds.X, or any const string in src/). What it cannot resolve is
    /// listed in <see cref="Unresolved"/>, so a new way of passing ids fails the test until it is listed here.
    /// </summary>
    internal sealed class SourceScan
    {
        /// <summary>(call, index of the id argument, file it applies to or null for all).</summary>
        private static readonly (Regex Call, int Argument, string? File)[] IdPositions =
        {
            (new Regex(@"\bnew\s+(?:Core\.)?(?:Identity\.)?(?:PfaException|EntraSignInException)\s*\("), 0, null),
            (new Regex(@"\bnew\s+(?:System\.Management\.Automation\.)?ErrorRecord\s*\("), 1, null),
            (new Regex(@"\bErrorMapper\.Create\s*\("), 0, null),
            (new Regex(@"\bEntraErrors\.New\s*\("), 0, null),
            (new Regex(@"(?<![\w.])New\s*\("), 0, "EntraErrors.cs"),
            (new Regex(@"(?<![\w.])Invalid\s*\("), 0, "RegistrationRules.cs"),
            (new Regex(@"\bUrlRules\.Require\s*\("), 2, null),
            (new Regex(@"\bFileRules\.ReadBounded\s*\("), 3, null),
            (new Regex(@"\bFileRules\.RequireRegularFile\s*\("), 2, null),
            (new Regex(@"\bnew\s+(?:Core\.Integration\.)?IntegrationCheck\s*\("), 4, null),
        };

        /// <summary>
        /// Expressions that pass on an id checked elsewhere: a helper's parameter (its callers are <see cref="IdPositions"/>),
        /// or the id of a PfaException caught and thrown again with more context.
        /// </summary>
        private static readonly HashSet<string> PassThrough = new HashSet<string>(StringComparer.Ordinal)
        {
            "errorId", "notFoundId", "id", "e.ErrorId", "ex.ErrorId", "pfa.ErrorId", "error.ErrorId", "refreshError.ErrorId", "result.ErrorId",
        };

        private static readonly Regex Constant = new Regex(@"const\s+string\s+(\w+)\s*=\s*""([^""]*)""");
        private static readonly Regex Literal = new Regex(@"""((?:[^""\\]|\\.)*)""");
        private static readonly Regex ClassName = new Regex(@"\b(?:class|struct)\s+(\w+)");

        private SourceScan()
        {
        }

        public List<Site> Sites { get; } = new List<Site>();

        public List<string> Unresolved { get; } = new List<string>();

        /// <summary>Id positions given a string literal instead of an ErrorIds constant.</summary>
        public List<string> LiteralIds { get; } = new List<string>();

        /// <summary>String literals outside the catalog that spell a catalog id (an id written as text, not as its constant).</summary>
        public List<string> SpelledIds { get; } = new List<string>();

        /// <summary>Every id given somewhere in src/ (at an id position, or as ErrorIds.X anywhere outside the catalog).</summary>
        public HashSet<string> Used { get; } = new HashSet<string>(StringComparer.Ordinal);

        public static SourceScan Of(string root)
        {
            var scan = new SourceScan();
            string src = Path.Combine(root, "src");
            var files = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => part == "bin" || part == "obj"))
                .OrderBy(f => f, StringComparer.Ordinal)
                .Select(f => (Path: f, Text: WithoutCommentLines(File.ReadAllText(f))))
                .ToList();

            var constants = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
            foreach ((string path, string text) in files)
            {
                foreach (Match m in Constant.Matches(text))
                {
                    string owner = ClassName.Matches(text.Substring(0, m.Index)).Cast<Match>().LastOrDefault()?.Groups[1].Value ?? string.Empty;
                    Add(constants, m.Groups[1].Value, m.Groups[2].Value);
                    Add(constants, owner + "." + m.Groups[1].Value, m.Groups[2].Value);
                }
            }

            string catalogFolder = Path.Combine(src, "PfaAzureDevOps.Core", "Errors") + Path.DirectorySeparatorChar;
            foreach ((string path, string text) in files)
            {
                string where = Path.GetRelativePath(root, path).Replace('\\', '/');
                if (path.StartsWith(catalogFolder, StringComparison.Ordinal))
                {
                    continue;
                }

                foreach (Match m in Regex.Matches(text, @"\bErrorIds\.([A-Z]\w*)\b"))
                {
                    scan.Used.Add(m.Groups[1].Value);
                }

                foreach (Match m in Regex.Matches(text, @"(?<![\w@$\\])""([A-Z]\w+)"""))
                {
                    if (Core.Errors.ErrorCatalog.Find(m.Groups[1].Value) != null)
                    {
                        scan.SpelledIds.Add($"\"{m.Groups[1].Value}\" ({where}:{LineOf(text, m.Index)})");
                    }
                }

                foreach ((Regex call, int argument, string? file) in IdPositions)
                {
                    if (file != null && Path.GetFileName(path) != file)
                    {
                        continue;
                    }

                    foreach (Match m in call.Matches(text))
                    {
                        List<string> arguments = Arguments(text, m.Index + m.Length);
                        int named = arguments.FindIndex(a => a.StartsWith("errorId:", StringComparison.Ordinal));
                        string? expression = named >= 0 ? arguments[named].Substring("errorId:".Length).Trim()
                            : arguments.Count > argument ? arguments[argument] : null;
                        if (expression is null || expression == "null" || (call.ToString().Contains("Require\\s") && arguments.Count < 3))
                        {
                            continue;
                        }

                        string site = $"{where}:{LineOf(text, m.Index)}";
                        var ids = new List<string>();
                        MatchCollection literals = Literal.Matches(expression);
                        if (literals.Count > 0)
                        {
                            ids.AddRange(literals.Cast<Match>().Select(l => l.Groups[1].Value));
                            scan.LiteralIds.Add($"{expression} ({site})");
                        }
                        else if (PassThrough.Contains(expression) || expression.StartsWith("string ", StringComparison.Ordinal))
                        {
                            continue;
                        }
                        else if (Regex.IsMatch(expression, @"^[\w.]+$") && Resolve(constants, expression) is HashSet<string> values)
                        {
                            ids.AddRange(values);
                        }
                        else if (Regex.Matches(expression, @"\bErrorIds\.(\w+)\b") is MatchCollection chosen && chosen.Count > 0
                            && Regex.Replace(expression, @"(?:Core\.Errors\.)?ErrorIds\.\w+", string.Empty).IndexOfAny(new[] { '"', '(' }) < 0)
                        {
                            // A choice between constants (condition ? ErrorIds.A : ErrorIds.B).
                            ids.AddRange(chosen.Cast<Match>().Select(c => c.Groups[1].Value));
                        }
                        else
                        {
                            scan.Unresolved.Add($"{expression} ({site})");
                            continue;
                        }

                        scan.Sites.Add(new Site(site, ids));
                        foreach (string id in ids)
                        {
                            scan.Used.Add(id);
                        }
                    }
                }
            }

            return scan;
        }

        private static HashSet<string>? Resolve(Dictionary<string, HashSet<string>> constants, string expression)
        {
            string[] parts = expression.Split('.');
            if (parts.Length >= 2 && constants.TryGetValue(parts[parts.Length - 2] + "." + parts[parts.Length - 1], out HashSet<string>? qualified))
            {
                return qualified;
            }

            return constants.TryGetValue(parts[parts.Length - 1], out HashSet<string>? simple) && simple.Count == 1 ? simple : null;
        }

        private static void Add(Dictionary<string, HashSet<string>> map, string key, string value)
        {
            if (!map.TryGetValue(key, out HashSet<string>? set))
            {
                map[key] = set = new HashSet<string>(StringComparer.Ordinal);
            }

            set.Add(value);
        }

        /// <summary>The top-level arguments of the call whose '(' ends at <paramref name="start"/> (strings and nesting respected).</summary>
        private static List<string> Arguments(string text, int start)
        {
            var arguments = new List<string>();
            var current = new System.Text.StringBuilder();
            int depth = 0;
            for (int i = start; i < text.Length; i++)
            {
                char c = text[i];
                if (c == '"')
                {
                    int close = i + 1;
                    bool verbatim = i > 0 && text[i - 1] == '@';
                    while (close < text.Length && !(text[close] == '"' && (verbatim || text[close - 1] != '\\' || text[close - 2] == '\\')))
                    {
                        close++;
                    }

                    current.Append(text, i, close - i + 1);
                    i = close;
                    continue;
                }

                if (c == '(' || c == '[' || c == '{')
                {
                    depth++;
                }
                else if (c == ')' || c == ']' || c == '}')
                {
                    if (depth == 0)
                    {
                        break;
                    }

                    depth--;
                }
                else if (c == ',' && depth == 0)
                {
                    arguments.Add(current.ToString().Trim());
                    current.Clear();
                    continue;
                }

                current.Append(c);
            }

            arguments.Add(current.ToString().Trim());
            return arguments;
        }

        private static string WithoutCommentLines(string text) =>
            string.Join("\n", text.Replace("\r\n", "\n").Split('\n').Select(l => l.TrimStart().StartsWith("//", StringComparison.Ordinal) ? string.Empty : l));

        private static int LineOf(string text, int index) => text.Take(index).Count(c => c == '\n') + 1;

        internal sealed class Site
        {
            public Site(string where, List<string> ids)
            {
                Where = where;
                Ids = ids;
            }

            public string Where { get; }

            public List<string> Ids { get; }
        }
    }
}
