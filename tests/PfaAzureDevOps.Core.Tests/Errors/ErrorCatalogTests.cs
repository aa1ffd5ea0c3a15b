using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using PfaAzureDevOps.Core;
using PfaAzureDevOps.Core.Errors;
using Xunit;

namespace PfaAzureDevOps.Core.Tests.Errors
{
    /// <summary>
    /// The error id catalog (issue 12, "Error ids"): every id the module can report is in Core/Errors/ErrorCatalog with its
    /// meaning and what to do; every id thrown or written in src/ is in the catalog; every catalog id is used; and the
    /// Errors section of about_PfaAzureDevOps.md is the catalog, rendered (PFA_WRITE_ERROR_DOCS=1 rewrites it).
    /// </summary>
    public class ErrorCatalogTests
    {
        [Fact]
        public void Every_id_constant_is_in_the_catalog_and_every_catalog_id_is_a_constant()
        {
            string[] constants = typeof(ErrorIds).GetFields(BindingFlags.Public | BindingFlags.Static)
                .Where(f => f.IsLiteral && f.FieldType == typeof(string))
                .Select(f =>
                {
                    string value = (string)f.GetRawConstantValue()!;
                    Assert.True(value == f.Name, $"ErrorIds.{f.Name} is \"{value}\": a constant is named as its id.");
                    return value;
                })
                .ToArray();
            string[] catalog = ErrorCatalog.All.Select(e => e.Id).ToArray();

            Assert.Empty(catalog.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key));
            Assert.Empty(constants.Except(catalog));
            Assert.Empty(catalog.Except(constants));
            Assert.True(catalog.Length > 150, "the catalog holds every id of the module");
        }

        [Fact]
        public void Every_entry_says_what_it_means_and_what_to_do()
        {
            var problems = new List<string>();
            foreach (ErrorEntry entry in ErrorCatalog.All)
            {
                if (!System.Text.RegularExpressions.Regex.IsMatch(entry.Id, "^[A-Z][A-Za-z0-9]+$"))
                {
                    problems.Add(entry.Id + ": an id is one PascalCase word");
                }

                foreach ((string what, string text) in new[] { ("meaning", entry.Meaning), ("what to do", entry.WhatToDo) })
                {
                    if (string.IsNullOrWhiteSpace(text) || !text.TrimEnd().EndsWith(".", StringComparison.Ordinal) || text.Length < 12)
                    {
                        problems.Add($"{entry.Id}: its {what} must be a sentence ending in '.'");
                    }
                }

                if (string.IsNullOrWhiteSpace(entry.Area))
                {
                    problems.Add(entry.Id + ": no area");
                }
            }

            Assert.Same(ErrorCatalog.Find(ErrorIds.StoreFileCorrupt), ErrorCatalog.All.Single(e => e.Id == "StoreFileCorrupt"));
            Assert.Null(ErrorCatalog.Find("NoSuchErrorId"));
            Assert.Equal("ObjectNotFound", ErrorCatalog.Find(ErrorIds.NotConnected)!.CategoryName);
            Assert.Empty(problems);
        }

        [Fact]
        public void Every_id_thrown_or_written_in_src_is_in_the_catalog()
        {
            SourceScan scan = SourceScan.Of(RepositoryRoot());
            Assert.True(scan.Sites.Count > 200, $"the scan found {scan.Sites.Count} sites; it should find every throw site");

            string[] unknown = scan.Sites.SelectMany(s => s.Ids.Where(id => ErrorCatalog.Find(id) is null).Select(id => $"{id} ({s.Where})")).ToArray();
            Assert.True(unknown.Length == 0, "Ids thrown or written in src/ but missing from Core/Errors/ErrorCatalog (add a constant to ErrorIds and an entry to the catalog):\n  " + string.Join("\n  ", unknown));
            Assert.True(scan.Unresolved.Count == 0, "Error ids the scan cannot resolve to a constant or a literal (use an ErrorIds constant; a helper that passes an id through needs its callers listed in SourceScan.IdPositions):\n  " + string.Join("\n  ", scan.Unresolved));
        }

        [Fact]
        public void Every_id_in_src_is_an_ErrorIds_constant_never_text()
        {
            SourceScan scan = SourceScan.Of(RepositoryRoot());
            Assert.True(scan.LiteralIds.Count == 0, "Error ids given as string literals (use the ErrorIds constant; add a new id to ErrorIds and the catalog first):\n  " + string.Join("\n  ", scan.LiteralIds));
            Assert.True(scan.SpelledIds.Count == 0, "Catalog ids spelled as text outside Core/Errors (use ErrorIds.X, so the compiler and this test see every use):\n  " + string.Join("\n  ", scan.SpelledIds));
        }

        [Fact]
        public void Every_catalog_id_is_used_in_src()
        {
            SourceScan scan = SourceScan.Of(RepositoryRoot());
            string[] unused = ErrorCatalog.All.Select(e => e.Id).Where(id => !scan.Used.Contains(id)).ToArray();
            Assert.True(unused.Length == 0, "Catalog ids nothing in src/ throws or writes (remove them from ErrorIds and the catalog, or use them):\n  " + string.Join("\n  ", unused));
        }

        [Fact]
        public void The_about_topic_lists_every_id_as_the_catalog_says()
        {
            string path = Path.Combine(RepositoryRoot(), "docs", "en-US", "about_PfaAzureDevOps.md");
            string text = File.ReadAllText(path).Replace("\r\n", "\n");
            (int start, int end) = ErrorsSection(text, path);
            string expected = AboutErrors.Render(ErrorCatalog.All);
            string actual = text.Substring(start, end - start);
            if (actual != expected && Environment.GetEnvironmentVariable("PFA_WRITE_ERROR_DOCS") == "1")
            {
                File.WriteAllText(path, text.Substring(0, start) + expected + text.Substring(end));
                return;
            }

            Assert.True(
                actual == expected,
                "The Errors section of docs/en-US/about_PfaAzureDevOps.md is not the catalog's. Rewrite it from the catalog with\n" +
                "  PFA_WRITE_ERROR_DOCS=1 dotnet test tests/PfaAzureDevOps.Core.Tests --filter FullyQualifiedName~ErrorCatalogTests\n" +
                "First difference at: " + FirstDifference(actual, expected));
            foreach (ErrorEntry entry in ErrorCatalog.All)
            {
                Assert.Contains("- " + entry.Id + " (", actual, StringComparison.Ordinal);
            }
        }

        /// <summary>The generated part of the Errors section: from its first '#### ' heading to the next '### ' heading.</summary>
        internal static (int Start, int End) ErrorsSection(string text, string path)
        {
            int errors = text.IndexOf("\n### Errors\n", StringComparison.Ordinal);
            Assert.True(errors >= 0, path + " has no '### Errors' section");
            int next = text.IndexOf("\n### ", errors + 1, StringComparison.Ordinal);
            int end = next < 0 ? text.Length : next + 1;
            int first = text.IndexOf("\n#### ", errors, StringComparison.Ordinal);
            if (first < 0 || first > end)
            {
                // Not generated yet: everything after the section's first paragraph.
                int paragraphEnd = text.IndexOf("\n\n", errors + 1, StringComparison.Ordinal);
                first = paragraphEnd < 0 || paragraphEnd > end ? end - 1 : paragraphEnd + 1;
            }

            return (first + 1, end);
        }

        private static string FirstDifference(string actual, string expected)
        {
            string[] a = actual.Split('\n');
            string[] e = expected.Split('\n');
            for (int i = 0; i < Math.Max(a.Length, e.Length); i++)
            {
                string left = i < a.Length ? a[i] : "(end)";
                string right = i < e.Length ? e[i] : "(end)";
                if (left != right)
                {
                    return $"line {i + 1} of the section:\n  is:       {left}\n  expected: {right}";
                }
            }

            return "(none)";
        }

        internal static string RepositoryRoot()
        {
            for (DirectoryInfo? dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "PfaAzureDevOps.psd1")) && Directory.Exists(Path.Combine(dir.FullName, "src")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("The repository root (with PfaAzureDevOps.psd1) was not found above " + AppContext.BaseDirectory);
        }
    }
}
