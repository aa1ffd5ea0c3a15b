using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;

namespace PfaAzureDevOps.TestServers
{
    /// <summary>
    /// Builds tests/AzureDevOpsEmulator once per change of its sources into <c>.tmp/azure-devops-emulator/bin</c> (a hash
    /// of the sources is kept beside the build), under an exclusive lock on <c>.tmp/azure-devops-emulator/build.lock</c> (a file lock: machine-wide across sessions), so xunit, the .NET Framework run,
    /// every Pester worker and the demo share one build.
    /// </summary>
    public static class EmulatorBuild
    {
        public static string FindRepositoryRoot(string start)
        {
            for (DirectoryInfo? d = new DirectoryInfo(start); d != null; d = d.Parent)
            {
                if (File.Exists(Path.Combine(d.FullName, "PfaAzureDevOps.sln")))
                {
                    return d.FullName;
                }
            }

            throw new InvalidOperationException("Repository root (PfaAzureDevOps.sln) not found above " + start);
        }

        /// <summary>Returns the path of AzureDevOpsEmulator.dll, building it first when its sources changed.</summary>
        public static string EnsureBuilt(string repositoryRoot)
        {
            string project = Path.Combine(repositoryRoot, "tests", "AzureDevOpsEmulator");
            string output = Path.Combine(repositoryRoot, ".tmp", "azure-devops-emulator", "bin");
            string dll = Path.Combine(output, "AzureDevOpsEmulator.dll");
            string stampFile = Path.Combine(output, ".source-stamp");
            using (FileLock.Acquire(Path.Combine(repositoryRoot, ".tmp", "azure-devops-emulator", "build.lock"), TimeSpan.FromMinutes(5), "Timed out waiting for another build of the emulator"))
            {
                string stamp = SourceStamp(repositoryRoot, project);
                if (File.Exists(dll) && File.Exists(stampFile) && File.ReadAllText(stampFile).Trim() == stamp)
                {
                    return dll;
                }

                var psi = new ProcessStartInfo(DotnetPath()) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
                foreach (string a in new[] { "build", Path.Combine(project, "AzureDevOpsEmulator.csproj"), "-c", "Release", "-o", output, "--nologo", "-v", "q" })
                {
                    psi.ArgumentList.Add(a);
                }

                psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
                psi.Environment["DOTNET_NOLOGO"] = "1";
                // A test host's MSBuild variables must not leak into the nested build.
                psi.Environment.Remove("MSBuildExtensionsPath");
                psi.Environment.Remove("MSBUILD_EXE_PATH");
                psi.Environment.Remove("MSBuildSDKsPath");
                using Process p = Process.Start(psi)!;
                var err = p.StandardError.ReadToEndAsync();
                string stdout = p.StandardOutput.ReadToEnd();
                p.WaitForExit();
                if (p.ExitCode != 0)
                {
                    throw new InvalidOperationException($"Building the emulator failed (exit {p.ExitCode}):\n{stdout}{err.Result}");
                }

                File.WriteAllText(stampFile, stamp);
                return dll;
            }
        }

        public static string DotnetPath()
        {
            string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            if (!string.IsNullOrEmpty(host) && File.Exists(host))
            {
                return host;
            }

            string? main = Process.GetCurrentProcess().MainModule?.FileName;
            if (main != null && Path.GetFileNameWithoutExtension(main) == "dotnet")
            {
                return main;
            }

            foreach (string candidate in new[] { "/usr/share/dotnet/dotnet", "/usr/bin/dotnet", "/usr/local/bin/dotnet", "/usr/lib/dotnet/dotnet" })
            {
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            return "dotnet";
        }

        private static string SourceStamp(string repositoryRoot, string project)
        {
            var files = Directory.EnumerateFiles(project, "*", SearchOption.AllDirectories)
                .Where(f => !f.Contains(Path.DirectorySeparatorChar + "bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal)
                         && !f.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                .Where(f => new[] { ".cs", ".csproj", ".sh", ".props", ".json" }.Contains(Path.GetExtension(f)))
                .Append(Path.Combine(repositoryRoot, "Directory.Build.props"))
                .Where(File.Exists)
                .OrderBy(f => f, StringComparer.Ordinal);
            var text = new StringBuilder();
            foreach (string file in files)
            {
                text.Append(file).Append('=').Append(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file)))).Append('\n');
            }

            return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
        }
    }
}
