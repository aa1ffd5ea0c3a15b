using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace PfaAzureDevOps.Core.Storage
{
    /// <summary>
    /// Small lists of values the user used or saw (repository URLs, SSH key ids), kept in the CurrentUser state folder
    /// for tab completion only: one "value TAB description" line each, newest first, at most <see cref="Limit"/>.
    /// Never secrets; a failure to read or write is ignored (completion is a convenience).
    /// </summary>
    public static class RecentValues
    {
        public const string Repositories = "recent-repositories.txt";
        public const string SshKeys = "recent-ssh-keys.txt";
        public const int Limit = 30;

        public static void Remember(string list, IEnumerable<KeyValuePair<string, string>> values)
        {
            try
            {
                var store = new StateStore(StateScope.CurrentUser);
                string path = store.GetPath(list);
                var merged = new List<KeyValuePair<string, string>>();
                foreach (KeyValuePair<string, string> value in values.Concat(Read(list)))
                {
                    string clean = Clean(value.Key);
                    if (clean.Length > 0 && !merged.Any(m => string.Equals(m.Key, clean, StringComparison.OrdinalIgnoreCase)))
                    {
                        merged.Add(new KeyValuePair<string, string>(clean, Clean(value.Value)));
                    }
                }

                StateStore.EnsureDirectory(store.Root, ownerOnly: true);
                Write(path, merged.Take(Limit));
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is PfaException || ex is PlatformNotSupportedException)
            {
                // Completion is a convenience: nothing to report.
            }
        }

        /// <summary>Forgets one value (a key removed from Azure DevOps).</summary>
        public static void Forget(string list, string value)
        {
            List<KeyValuePair<string, string>> kept = Read(list).Where(v => !string.Equals(v.Key, value, StringComparison.OrdinalIgnoreCase)).ToList();
            try
            {
                string path = new StateStore(StateScope.CurrentUser).GetPath(list);
                if (File.Exists(path))
                {
                    Write(path, kept);
                }
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is PfaException)
            {
                // As above.
            }
        }

        public static List<KeyValuePair<string, string>> Read(string list)
        {
            var values = new List<KeyValuePair<string, string>>();
            try
            {
                string path = new StateStore(StateScope.CurrentUser).GetPath(list);
                if (!File.Exists(path))
                {
                    return values;
                }

                foreach (string line in File.ReadAllLines(path))
                {
                    int tab = line.IndexOf('\t');
                    string value = (tab < 0 ? line : line.Substring(0, tab)).Trim();
                    if (value.Length > 0)
                    {
                        values.Add(new KeyValuePair<string, string>(value, tab < 0 ? string.Empty : line.Substring(tab + 1)));
                    }
                }
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is PfaException)
            {
                // Nothing to offer.
            }

            return values;
        }

        /// <summary>One "value TAB description" line each, owner-only, by atomic replace (a concurrent reader sees one list or the other).</summary>
        private static void Write(string path, IEnumerable<KeyValuePair<string, string>> values)
        {
            var text = new StringBuilder();
            foreach (KeyValuePair<string, string> value in values)
            {
                text.Append(value.Key).Append('\t').Append(value.Value).Append('\n');
            }

            Platform.OwnerOnlyFiles.WriteAtomic(path, new UTF8Encoding(false).GetBytes(text.ToString()), ownerOnly: true);
        }

        private static string Clean(string? text) => (text ?? string.Empty).Replace('\t', ' ').Replace('\r', ' ').Replace('\n', ' ').Trim();
    }
}
