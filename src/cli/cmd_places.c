/* cmd_places.c: placeholder until the places command lands; replaced by its owner. */
#include "cli.h"

int bm_cmd_places(bm_cli *cli, int argc, char **argv)
{
    (void)cli;
    (void)argc;
    (void)argv;
    return bm_cli_fail("places", "this command is not available in this build yet");
}
