using System.Collections.Generic;
using System.Linq;
using System.Text;
using PfaAzureDevOps.Core.Errors;

namespace PfaAzureDevOps.Core.Tests.Errors
{
    /// <summary>Renders the catalog as the Errors section of about_PfaAzureDevOps.md: one '####' heading per area, one list item per id.</summary>
    internal static class AboutErrors
    {
        private const int Width = 116;

        public static string Render(IEnumerable<ErrorEntry> entries)
        {
            var text = new StringBuilder();
            foreach (IGrouping<string, ErrorEntry> area in entries.GroupBy(e => e.Area))
            {
                text.Append("#### ").Append(area.Key).Append('\n').Append('\n');
                foreach (ErrorEntry entry in area)
                {
                    foreach (string line in Wrap($"- {entry.Id} ({entry.CategoryName}): {entry.Meaning} What to do: {entry.WhatToDo}"))
                    {
                        text.Append(line).Append('\n');
                    }
                }

                text.Append('\n');
            }

            return text.ToString();
        }

        private static IEnumerable<string> Wrap(string item)
        {
            var line = new StringBuilder();
            foreach (string word in item.Split(' '))
            {
                if (line.Length > 0 && line.Length + 1 + word.Length > Width)
                {
                    yield return line.ToString();
                    line.Clear().Append("  ");
                }
                else if (line.Length > 0 && line.ToString() != "  ")
                {
                    line.Append(' ');
                }

                line.Append(word);
            }

            yield return line.ToString();
        }
    }
}
