using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;

namespace PfaAzureDevOps.Core.Git
{
    /// <summary>
    /// The temporary folders (pfa-git-*) that hold a private key and known_hosts while git runs: each records the process
    /// that made it, and the next run removes those of processes that are gone (killed before their own clean-up).
    /// </summary>
    internal static class GitTempFolders
    {
        public const string Prefix = "pfa-git-";
        private const string OwnerFileName = "owner";

        /// <summary>A folder without an owner file is left alone this long (its maker may be about to write it).</summary>
        private static readonly TimeSpan UnmarkedGrace = TimeSpan.FromMinutes(1);

        public static void MarkOwner(string folder)
        {
            using (Process self = Process.GetCurrentProcess())
            {
                string text = self.Id.ToString(CultureInfo.InvariantCulture) + " " + self.StartTime.ToUniversalTime().Ticks.ToString(CultureInfo.InvariantCulture);
                File.WriteAllText(Path.Combine(folder, OwnerFileName), text, new UTF8Encoding(false));
            }
        }

        /// <summary>Removes the folders under <paramref name="root"/> whose process ended; returns how many. Never throws.</summary>
        public static int SweepDead(string root)
        {
            int removed = 0;
            string[] folders;
            try
            {
                folders = Directory.Exists(root) ? Directory.GetDirectories(root, Prefix + "*") : Array.Empty<string>();
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return 0;
            }

            foreach (string folder in folders)
            {
                try
                {
                    if (!IsDead(folder))
                    {
                        continue;
                    }

                    Directory.Delete(folder, recursive: true);
                    removed++;
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    // Another user's folder (not readable), or in use: not ours to remove.
                }
            }

            return removed;
        }

        private static bool IsDead(string folder)
        {
            string owner = Path.Combine(folder, OwnerFileName);
            if (!File.Exists(owner))
            {
                return DateTime.UtcNow - Directory.GetLastWriteTimeUtc(folder) > UnmarkedGrace;
            }

            string[] parts = File.ReadAllText(owner).Trim().Split(' ');
            if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int pid) || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long ticks))
            {
                return DateTime.UtcNow - File.GetLastWriteTimeUtc(owner) > UnmarkedGrace;
            }

            try
            {
                using (Process process = Process.GetProcessById(pid))
                {
                    // The same pid with another start time is a new process (the pid was reused).
                    return Math.Abs(process.StartTime.ToUniversalTime().Ticks - ticks) > TimeSpan.TicksPerSecond;
                }
            }
            catch (ArgumentException)
            {
                return true; // no such process
            }
            catch (InvalidOperationException)
            {
                return true; // it exited meanwhile
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return false; // not allowed to look: assume alive
            }
        }
    }
}
