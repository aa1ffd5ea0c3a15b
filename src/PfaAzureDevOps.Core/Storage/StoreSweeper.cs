using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;

namespace PfaAzureDevOps.Core.Storage
{
    /// <summary>
    /// Removes what crashed processes left in a store: temporary documents of an atomic replace (".name.guid.tmp") and
    /// secrets of this module that no stored document names any more (a token written before its process died, or a
    /// previous generation it never deleted). Never a live writer's file: only files older than <see cref="MinimumAge"/>
    /// (a writer names its secret, or renames its temporary file, within milliseconds), a temporary file only when no
    /// process holds it open for writing, and a secret only when no document of the store mentions its name.
    /// </summary>
    public static class StoreSweeper
    {
        /// <summary>How old a leftover must be before it is swept (a writer finishes long before).</summary>
        public static readonly TimeSpan MinimumAge = TimeSpan.FromMinutes(10);

        /// <summary>The secret names this module writes (the MSAL caches are managed by sign-out, not here).</summary>
        private static readonly string[] SweptSecretPrefixes =
        {
            "connection-access-", "connection-refresh-", "entra-sp-secret-", "entra-pkce-", "app-client-secret-", "ssh-private-key-",
        };

        /// <summary>Sweeps <paramref name="store"/>; returns how many files were removed. Failures are ignored (the next run tries again).</summary>
        public static int Sweep(StateStore store, TimeSpan? minimumAge = null, DateTime? nowUtc = null)
        {
            TimeSpan age = minimumAge ?? MinimumAge;
            DateTime now = nowUtc ?? DateTime.UtcNow;
            if (!Directory.Exists(store.Root))
            {
                return 0;
            }

            int removed = SweepTemporaryFiles(store.Root, now - age);
            removed += SweepSecrets(store, now - age);
            return removed;
        }

        private static int SweepTemporaryFiles(string root, DateTime olderThan)
        {
            int removed = 0;
            foreach (string directory in Folders(root))
            {
                string[] files;
                try
                {
                    files = Directory.GetFiles(directory, ".*.tmp");
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    continue;
                }

                foreach (string file in files)
                {
                    if (!IsOld(file, olderThan) || IsOpenByWriter(file))
                    {
                        continue;
                    }

                    if (TryDelete(file))
                    {
                        removed++;
                    }
                }
            }

            return removed;
        }

        private static int SweepSecrets(StateStore store, DateTime olderThan)
        {
            var vault = new SecretVault(store);
            if (!Directory.Exists(vault.Directory))
            {
                return 0;
            }

            string[] files;
            try
            {
                files = Directory.GetFiles(vault.Directory, "*.bin");
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return 0;
            }

            HashSet<string>? referenced = null;
            int removed = 0;
            foreach (string file in files)
            {
                string name = Path.GetFileNameWithoutExtension(file);
                if (!IsSwept(name) || !IsOld(file, olderThan))
                {
                    continue;
                }

                referenced ??= ReferencedNames(store.Root);
                if (referenced == null || referenced.Contains(name))
                {
                    continue; // a document names it, or a document could not be read (then nothing is swept)
                }

                try
                {
                    vault.Delete(name);
                    removed++;
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is PfaException)
                {
                }
            }

            return removed;
        }

        private static bool IsSwept(string name)
        {
            foreach (string prefix in SweptSecretPrefixes)
            {
                if (name.StartsWith(prefix, StringComparison.Ordinal))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Every string value of every JSON document in the store (any of them may name a secret); null when one cannot be read.</summary>
        private static HashSet<string>? ReferencedNames(string root)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (string directory in Folders(root))
            {
                string[] documents;
                try
                {
                    documents = Directory.GetFiles(directory, "*.json");
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    return null;
                }

                foreach (string document in documents)
                {
                    try
                    {
                        using (JsonDocument json = JsonDocument.Parse(File.ReadAllBytes(document)))
                        {
                            Collect(json.RootElement, names);
                        }
                    }
                    catch (JsonException)
                    {
                        return null; // a corrupt document may name a secret the user still needs: sweep nothing
                    }
                    catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                    {
                        return null;
                    }
                }
            }

            return names;
        }

        private static void Collect(JsonElement element, HashSet<string> names)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.String:
                    names.Add(element.GetString() ?? string.Empty);
                    break;
                case JsonValueKind.Object:
                    foreach (JsonProperty property in element.EnumerateObject())
                    {
                        Collect(property.Value, names);
                    }

                    break;
                case JsonValueKind.Array:
                    foreach (JsonElement item in element.EnumerateArray())
                    {
                        Collect(item, names);
                    }

                    break;
            }
        }

        /// <summary>The store's folders, two levels deep (documents, secrets/, ssh/), without the lock folder.</summary>
        private static IEnumerable<string> Folders(string root)
        {
            yield return root;
            string[] children;
            try
            {
                children = Directory.GetDirectories(root);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                yield break;
            }

            foreach (string child in children)
            {
                if (Path.GetFileName(child) == ".locks")
                {
                    continue;
                }

                yield return child;
            }
        }

        private static bool IsOld(string file, DateTime olderThan)
        {
            try
            {
                return File.GetLastWriteTimeUtc(file) < olderThan;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return false;
            }
        }

        /// <summary>
        /// True when another process has the file open without sharing (a writer: .NET takes an exclusive advisory lock for
        /// FileShare.None on Unix, and Windows refuses the open).
        /// </summary>
        private static bool IsOpenByWriter(string file)
        {
            try
            {
                using (new FileStream(file, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
                {
                    return false;
                }
            }
            catch (FileNotFoundException)
            {
                return true; // gone already: nothing to do
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return true;
            }
        }

        private static bool TryDelete(string file)
        {
            try
            {
                File.Delete(file);
                return true;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return false;
            }
        }
    }
}
