using System;
using System.IO;
using System.Linq;
using System.Reflection;
using Xunit;

namespace PfaAzureDevOps.NetFx.Tests
{
    /// <summary>
    /// Windows PowerShell 5.1 has one AppDomain per session: another module (Az.Accounts, Microsoft.Graph) may have loaded
    /// its own MSAL before ours. Each case runs in a fresh AppDomain (the closest this runtime has to a fresh session):
    /// the other MSAL is loaded first, then the module's resolver is installed and the engine builds its MSAL client.
    /// </summary>
    public sealed class ForeignMsalTests
    {
        [Fact]
        public void An_older_MSAL_loaded_first_does_not_reach_the_engine_which_runs_its_own_copy()
        {
            string foreign = Path.Combine(NuGetPackages(), "microsoft.identity.client", "4.61.3", "lib", "net462", "Microsoft.Identity.Client.dll");
            Assert.True(File.Exists(foreign), foreign + " was not downloaded (PackageDownload in this project).");
            string[] seen = InFreshDomain(foreign);
            Assert.Equal("4.61.3.0", seen[0]);
            Assert.Equal(Path.Combine(NetFxModule.NetfxFolder, "Microsoft.Identity.Client.dll"), seen[1]);
            Assert.Equal("no error", seen[2]);
            Assert.Equal("2", seen[3]);
        }

        [Fact]
        public void The_same_MSAL_version_from_another_module_folder_is_shared_and_accepted()
        {
            string folder = NetFxModule.NewTemporaryFolder();
            try
            {
                string copy = Path.Combine(folder, "Microsoft.Identity.Client.dll");
                File.Copy(Path.Combine(NetFxModule.NetfxFolder, "Microsoft.Identity.Client.dll"), copy);
                string[] seen = InFreshDomain(copy);
                Assert.Equal("no error", seen[2]);
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        }

        private static string[] InFreshDomain(string foreignMsal)
        {
            AppDomain domain = AppDomain.CreateDomain("pfa-foreign-msal-" + Guid.NewGuid().ToString("N").Substring(0, 6), null, new AppDomainSetup { ApplicationBase = NetFxModule.TestFolder });
            try
            {
                var runner = (ForeignMsalRunner)domain.CreateInstanceAndUnwrap(typeof(ForeignMsalRunner).Assembly.FullName!, typeof(ForeignMsalRunner).FullName!);
                return runner.Run(foreignMsal);
            }
            finally
            {
                AppDomain.Unload(domain);
            }
        }

        private static string NuGetPackages()
        {
            string? configured = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
            return !string.IsNullOrEmpty(configured) ? configured! : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        }
    }

    /// <summary>Runs inside the fresh AppDomain.</summary>
    public sealed class ForeignMsalRunner : MarshalByRefObject
    {
        public string[] Run(string foreignMsal)
        {
            Assembly other = Assembly.LoadFrom(foreignMsal);
            // Touch a type, as the other module would have by the time ours runs.
            Assert.NotNull(other.GetType("Microsoft.Identity.Client.PublicClientApplicationBuilder", throwOnError: true));
            NetFxModule.Install();
            string root = NetFxModule.NewTemporaryFolder();
            string error = "no error";
            string location = string.Empty;
            try
            {
                EngineFlows.BuildPublicClientAndReadAccounts(root);
                location = EngineFlows.MsalAsBoundByTheEngine().Location;
            }
            catch (Exception ex) when (ex.GetType().Name == "PfaException")
            {
                error = (string)ex.GetType().GetProperty("ErrorId")!.GetValue(ex)!;
            }
            finally
            {
                Directory.Delete(root, recursive: true);
            }

            int copies = AppDomain.CurrentDomain.GetAssemblies().Count(a => a.GetName().Name == "Microsoft.Identity.Client");
            return new[] { other.GetName().Version!.ToString(), location, error, copies.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        }
    }
}
