using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

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
                string temporary = path + "." + Guid.NewGuid().ToString("N").Substring(0, 8) + ".tmp";
                File.WriteAllLines(temporary, merged.Take(Limit).Select(m => m.Key + "\t" + m.Value));
                StateStore.SetOwnerOnly(temporary, ownerOnly: true);
                if (File.Exists(path))
                {
                    File.Replace(temporary, path, null);
                }
                else
                {
                    File.Move(temporary, path);
                }
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
                    File.WriteAllLines(path, kept.Select(m => m.Key + "\t" + m.Value));
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

        private static string Clean(string? text) => (text ?? string.Empty).Replace('\t', ' ').Replace('\r', ' ').Replace('\n', ' ').Trim();
    }
}
