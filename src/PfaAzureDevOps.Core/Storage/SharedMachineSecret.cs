using System;
using System.IO;
using System.Runtime.InteropServices;
using PfaAzureDevOps.Core.Errors;

namespace PfaAzureDevOps.Core.Storage
{
    /// <summary>
    /// The instance's client secret made usable by the instance's ordinary OS users (issue 9, item 17). On Linux the
    /// AllUsers vault is root's (owner-only files in an owner-only folder); with a user group recorded in the
    /// registration, a copy of the client secret is kept in <c>shared/</c>: folder root:group 0750, file root:group
    /// 0640, written by root only. Members of the group read it to redeem their own codes; nobody else can. The
    /// trade-off (see the README): a member can read the secret itself, because on Linux there is no machine-scope
    /// encryption that lets a user use a secret without being able to read it; the alternative is a privileged
    /// helper that redeems codes on the users' behalf, which this module does not ship.
    /// </summary>
    public static class SharedMachineSecret
    {
        public const string FolderName = "shared";

        /// <summary>True where group sharing is built: Linux (file modes and owners). Windows and macOS refuse -UserGroup.</summary>
        public static bool IsSupported => RuntimeInformation.IsOSPlatform(OSPlatform.Linux);

        public static string FolderOf(StateStore store) => Path.Combine(store.Root, FolderName);

        public static string PathOf(StateStore store, string secretName) => Path.Combine(FolderOf(store), secretName + ".bin");

        /// <summary>The group's id, or a PfaException that says what to do.</summary>
        public static uint ResolveGroup(string group)
        {
            if (!IsSupported)
            {
                throw new PfaException(
                    ErrorIds.UserGroupNotSupported,
                    PfaErrorKind.InvalidOperation,
                    "-UserGroup is available on Linux only in this version. On Windows and macOS each user registers the application in their own CurrentUser scope (Register-PfaAzureDevOpsApp -Scope CurrentUser) for now.",
                    group);
            }

            if (string.IsNullOrWhiteSpace(group) || group.Length > 64 || group.IndexOfAny(new[] { ':', '/', '\\', '\n', '\r', '\0', ' ' }) >= 0)
            {
                throw new PfaException(ErrorIds.UserGroupInvalid, PfaErrorKind.InvalidArgument, $"'{group}' is not a valid group name. Give the name of an existing OS group, for example pfa-users (create it with groupadd pfa-users, add users with usermod -aG pfa-users <user>).", group);
            }

            IntPtr entry = Native.getgrnam(group);
            if (entry == IntPtr.Zero)
            {
                throw new PfaException(ErrorIds.UserGroupNotFound, PfaErrorKind.NotFound, $"There is no OS group named '{group}'. Create it first (groupadd {group}) and add the instance's users to it (usermod -aG {group} <user>).", group);
            }

            // struct group { char *gr_name; char *gr_passwd; gid_t gr_gid; char **gr_mem; }
            return unchecked((uint)Marshal.ReadInt32(entry, 2 * IntPtr.Size));
        }

        /// <summary>Writes the shared copy (root:group 0640 in a root:group 0750 folder), replacing any other shared secret.</summary>
        public static void Write(StateStore store, string secretName, byte[] secret, string group)
        {
            uint gid = ResolveGroup(group);
            string folder = FolderOf(store);
            if (!Directory.Exists(folder))
            {
                Directory.CreateDirectory(folder);
            }

            SetOwnerAndMode(folder, gid, Convert.ToInt32("750", 8));
            string path = PathOf(store, secretName);
            string temporary = Platform.OwnerOnlyFiles.TemporaryPathFor(path);
            try
            {
                // Created owner-only (0600) and filled, then given to root:group 0640 and renamed into place.
                using (FileStream stream = Platform.OwnerOnlyFiles.CreateNew(temporary, ownerOnly: true))
                {
                    stream.Write(secret, 0, secret.Length);
                    stream.Flush(flushToDisk: true);
                }

                SetOwnerAndMode(temporary, gid, Convert.ToInt32("640", 8));
                Platform.OwnerOnlyFiles.Replace(temporary, path);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                Platform.OwnerOnlyFiles.TryDelete(temporary);
                throw new PfaException(ErrorIds.SharedSecretWriteFailed, PfaErrorKind.ResourceUnavailable, $"The client secret could not be shared with group '{group}' in {folder}: {ex.Message}. The registration was not changed.", folder, ex);
            }

            RemoveOthers(store, keep: secretName);
        }

        /// <summary>Removes the shared copies except <paramref name="keep"/> (null: all, and the folder).</summary>
        public static void RemoveOthers(StateStore store, string? keep)
        {
            string folder = FolderOf(store);
            if (!Directory.Exists(folder))
            {
                return;
            }

            foreach (string file in Directory.GetFiles(folder))
            {
                if (keep == null || !string.Equals(Path.GetFileName(file), keep + ".bin", StringComparison.Ordinal))
                {
                    Platform.OwnerOnlyFiles.TryDelete(file);
                }
            }

            if (keep == null)
            {
                try
                {
                    Directory.Delete(folder);
                }
                catch (IOException)
                {
                }
            }
        }

        /// <summary>Reads the shared copy; null when there is none. Access denied becomes a PfaException naming the group.</summary>
        public static byte[]? Read(StateStore store, string secretName, string group)
        {
            string path = PathOf(store, secretName);
            try
            {
                byte[] data = File.ReadAllBytes(path);
                return data.Length == 0 ? null : data;
            }
            catch (FileNotFoundException)
            {
                return null;
            }
            catch (DirectoryNotFoundException)
            {
                return null;
            }
            catch (UnauthorizedAccessException ex)
            {
                throw NotPermitted(group, ex);
            }
        }

        public static PfaException NotPermitted(string? group, Exception? inner)
        {
            string user = Environment.UserName;
            return group != null
                ? new PfaException(
                    ErrorIds.ClientSecretNotPermitted,
                    PfaErrorKind.PermissionDenied,
                    $"The instance's application may be used only by the administrator and the members of the OS group '{group}', and '{user}' is not one of them. Ask the administrator to add you (usermod -aG {group} {user}), then log in again so the new group applies.",
                    group,
                    inner)
                : new PfaException(
                    ErrorIds.ClientSecretNotPermitted,
                    PfaErrorKind.PermissionDenied,
                    $"The instance's application keeps its client secret readable by the administrator only, so '{user}' cannot connect through it. The administrator lets the instance's users connect with Set-PfaAzureDevOpsApp -UserGroup <group> (its members may use the application).",
                    "AllUsers",
                    inner);
        }

        private static void SetOwnerAndMode(string path, uint gid, int mode)
        {
            if (Native.chown(path, 0, gid) != 0)
            {
                throw new UnauthorizedAccessException($"chown root:{gid} '{path}' failed (errno {Marshal.GetLastWin32Error()}); only root can share the instance's secret.");
            }

            if (Native.chmod(path, mode) != 0)
            {
                throw new UnauthorizedAccessException($"chmod '{path}' failed (errno {Marshal.GetLastWin32Error()}).");
            }
        }

        private static class Native
        {
            [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
            public static extern IntPtr getgrnam(string name);

            [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
            public static extern int chown(string path, uint owner, uint group);

            [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
            public static extern int chmod(string path, int mode);
        }
    }
}
