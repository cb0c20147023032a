//! Planning a sweep's runs, a search step at a time: the grid or a random
//! sample at once, the genetic search a generation at a time from the
//! results of the one before. Any executor (worker processes here, other
//! machines elsewhere) runs the plans and hands back their rows.

use std::collections::{HashMap, HashSet};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::config::{point_text, BaseConfig};
use super::error::SweepError;
use super::genetic::{Genetic, Genome};
use super::objective::{qualifies, Constraint, Objective};
use super::results::ResultRow;
use super::space::{Point, Space};

/// How the space is searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Search {
    /// Every point of the grid, in grid order (the last axis fastest).
    Grid,
    /// `samples` distinct points drawn uniformly with a seeded generator
    /// (the whole grid when it has no more).
    Random {
        /// Points to run.
        samples: usize,
        /// Seed of the draw.
        seed: u64,
    },
    /// The genetic search of `analyzer::genetic`.
    Genetic {
        /// Points per generation.
        population: usize,
        /// Generations, the first included.
        generations: u32,
        /// Seed of every draw.
        seed: u64,
    },
}

/// One run to do: its id, point, day and full configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct RunPlan {
    /// Its id: `0001`, `0002`, ... in planning order; its folder's name.
    pub run_id: String,
    /// The parameters: each key of the space and its value.
    pub point: Vec<(String, toml::Value)>,
    /// The day to run, `YYYY-MM-DD` (`None`: the data's only day).
    pub day: Option<String>,
    /// The genetic generation that planned it (0 for grid and random).
    pub generation: u32,
    /// The run's `run.toml`.
    pub config_toml: String,
    /// Hash of the strategy, data, day and configuration (16 hex digits).
    pub config_hash: String,
}

/// Plans the runs of a sweep.
pub struct Planner {
    base: BaseConfig,
    space: Space,
    search: Search,
    objective: Objective,
    constraints: Vec<Constraint>,
    /// What the runs share besides the configuration, hashed with it.
    identity: String,
    day: Option<String>,
    next_id: usize,
    /// Each planned run's id and generation by hash.
    planned: HashMap<String, String>,
    state: State,
}

enum State {
    Start,
    Genetic(Box<Genetic>),
    Done,
}

impl Planner {
    /// A planner over `space` for runs of `base`; `identity` names what
    /// the runs share besides their configuration (strategy file's text,
    /// data, symbol), for the runs' hash. Every key and every point is
    /// checked here, before any run.
    pub fn new(
        base: BaseConfig,
        space: Space,
        search: Search,
        objective: Objective,
        constraints: Vec<Constraint>,
        identity: String,
        day: Option<String>,
    ) -> Result<Planner, SweepError> {
        if space.axes.is_empty() {
            return Err(SweepError::new(
                "the space",
                "nothing to sweep: give --grid KEY=v1,v2, --range KEY=from..to:step or a [sweep] table",
            ));
        }
        base.check_space(&space)?;
        match search {
            Search::Random { samples: 0, .. } => {
                return Err(SweepError::new("--samples", "must be at least 1"))
            }
            Search::Genetic { population: 0, .. } => {
                return Err(SweepError::new("--population", "must be at least 1"))
            }
            Search::Genetic { generations: 0, .. } => {
                return Err(SweepError::new("--generations", "must be at least 1"))
            }
            _ => {}
        }
        let planner = Planner {
            base,
            space,
            search,
            objective,
            constraints,
            identity,
            day,
            next_id: 1,
            planned: HashMap::new(),
            state: State::Start,
        };
        planner.check_points()?;
        Ok(planner)
    }

    /// The space searched.
    pub fn space(&self) -> &Space {
        &self.space
    }

    /// How it is searched.
    pub fn search(&self) -> Search {
        self.search
    }

    /// The points of a grid or random search, in order (none for a
    /// genetic search, whose points depend on results).
    pub fn search_points(&self) -> Vec<Point> {
        let size = self.space.size();
        let indices: Vec<usize> = match self.search {
            Search::Grid => (0..size).collect(),
            Search::Random { samples, .. } if samples >= size => (0..size).collect(),
            Search::Random { samples, seed } => {
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                let mut seen = HashSet::new();
                let mut indices = Vec::with_capacity(samples);
                while indices.len() < samples {
                    let i = rng.random_range(0..size);
                    if seen.insert(i) {
                        indices.push(i);
                    }
                }
                indices
            }
            Search::Genetic { .. } => Vec::new(),
        };
        indices.iter().map(|&i| self.space.point_at(i)).collect()
    }

    /// Checks each value alone, then every point (up to 100 000 of them).
    fn check_points(&self) -> Result<(), SweepError> {
        for (i, axis) in self.space.axes.iter().enumerate() {
            let alone = Space {
                axes: vec![axis.clone()],
            };
            for value in &axis.values {
                if let Err(reason) = self.base.run_config(&alone, &vec![value.clone()]) {
                    // A value may need another axis (`queue.model` and `queue.n`).
                    let mut point = self.space.point_at(0);
                    point[i] = value.clone();
                    if self.base.run_config(&self.space, &point).is_err() {
                        return Err(SweepError::new(
                            &axis.origin,
                            format!("{}={}: {reason}", axis.key, super::value::value_text(value)),
                        ));
                    }
                }
            }
        }
        for index in 0..self.space.size().min(100_000) {
            let point = self.space.point_at(index);
            if let Err(reason) = self.base.run_config(&self.space, &point) {
                return Err(SweepError::new(
                    format!("the point {}", point_text(&self.space, &point)),
                    reason,
                ));
            }
        }
        Ok(())
    }

    /// The runs of the next search step, given every row finished so far;
    /// empty when the search is over. A point already planned is not
    /// planned again.
    pub fn next_runs(&mut self, finished: &[ResultRow]) -> Result<Vec<RunPlan>, SweepError> {
        let state = std::mem::replace(&mut self.state, State::Done);
        match (state, self.search) {
            (State::Start, Search::Grid | Search::Random { .. }) => {
                let points = self.search_points();
                self.plans(&points, 0)
            }
            (
                State::Start,
                Search::Genetic {
                    population,
                    generations,
                    seed,
                },
            ) => {
                let dims = self.space.axes.iter().map(|a| a.values.len()).collect();
                let ga = Genetic::new(dims, population, generations, seed);
                let points = self.genome_points(&ga.population);
                let plans = self.plans(&points, 1)?;
                self.state = State::Genetic(Box::new(ga));
                Ok(plans)
            }
            (State::Genetic(mut ga), _) => loop {
                let fitness = self.fitness(&ga.population, finished)?;
                let Some(next) = ga.breed(&fitness) else {
                    return Ok(Vec::new());
                };
                let points = self.genome_points(next);
                let plans = self.plans(&points, ga.generation)?;
                if !plans.is_empty() || ga.generation >= ga.generations {
                    self.state = State::Genetic(ga);
                    return Ok(plans);
                }
            },
            (State::Done, _) => Ok(Vec::new()),
        }
    }

    fn genome_points(&self, genomes: &[Genome]) -> Vec<Point> {
        genomes.iter().map(|g| self.space.point_of(g)).collect()
    }

    /// The fitness of each genome from its run's row.
    fn fitness(
        &self,
        genomes: &[Genome],
        finished: &[ResultRow],
    ) -> Result<Vec<Option<f64>>, SweepError> {
        let rows: HashMap<&str, &ResultRow> = finished
            .iter()
            .map(|r| (r.config_hash.as_str(), r))
            .collect();
        genomes
            .iter()
            .map(|genome| {
                let point = self.space.point_of(genome);
                let plan = self.plan(&point, 0)?;
                Ok(rows
                    .get(plan.config_hash.as_str())
                    .filter(|row| qualifies(row, &self.constraints))
                    .and_then(|row| self.objective.score(row)))
            })
            .collect()
    }

    /// Plans of the points not planned before, with fresh ids.
    fn plans(&mut self, points: &[Point], generation: u32) -> Result<Vec<RunPlan>, SweepError> {
        let mut plans = Vec::new();
        for point in points {
            let mut plan = self.plan(point, generation)?;
            if self.planned.contains_key(&plan.config_hash) {
                continue;
            }
            plan.run_id = format!("{:04}", self.next_id);
            self.next_id += 1;
            self.planned
                .insert(plan.config_hash.clone(), plan.run_id.clone());
            plans.push(plan);
        }
        Ok(plans)
    }

    /// The plan of one point (without an id) on the planner's day.
    pub fn plan(&self, point: &Point, generation: u32) -> Result<RunPlan, SweepError> {
        self.plan_on(point, self.day.clone(), generation)
    }

    /// The plan of one point (without an id) on `day`.
    pub fn plan_on(
        &self,
        point: &Point,
        day: Option<String>,
        generation: u32,
    ) -> Result<RunPlan, SweepError> {
        let (config_toml, _) = self.base.run_config(&self.space, point).map_err(|reason| {
            SweepError::new(
                format!("the point {}", point_text(&self.space, point)),
                reason,
            )
        })?;
        let mut hash = Fnv::default();
        for part in [
            self.identity.as_str(),
            day.as_deref().unwrap_or(""),
            config_toml.as_str(),
        ] {
            hash.write(part.as_bytes());
            hash.write(&[0xff]);
        }
        Ok(RunPlan {
            run_id: String::new(),
            point: self
                .space
                .axes
                .iter()
                .zip(point)
                .map(|(axis, value)| (axis.key.clone(), value.clone()))
                .collect(),
            day,
            generation,
            config_toml,
            config_hash: format!("{:016x}", hash.0),
        })
    }

    /// Gives `plan` the next free id (for plans made with [`Planner::plan_on`]).
    pub fn assign_id(&mut self, plan: &mut RunPlan) {
        plan.run_id = format!("{:04}", self.next_id);
        self.next_id += 1;
        self.planned
            .insert(plan.config_hash.clone(), plan.run_id.clone());
    }
}

/// FNV-1a, 64 bits: a stable hash (the same on every machine and build).
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzer::results::{RowStatus, STATS};
    use crate::analyzer::value::value_text;

    fn planner(grids: &[&str], search: Search) -> Planner {
        let base = BaseConfig::read(None, "mm").unwrap();
        let grids: Vec<String> = grids.iter().map(|g| (*g).to_owned()).collect();
        let space = Space::parse(&toml::Table::new(), &grids, &[]).unwrap();
        let objective = Objective::parse("pnl").unwrap();
        Planner::new(
            base,
            space,
            search,
            objective,
            Vec::new(),
            "test".into(),
            None,
        )
        .unwrap()
    }

    fn points(plans: &[RunPlan]) -> Vec<String> {
        plans
            .iter()
            .map(|p| {
                let values: Vec<String> = p.point.iter().map(|(_, v)| value_text(v)).collect();
                format!("{}:{}", p.run_id, values.join(","))
            })
            .collect()
    }

    /// A finished row of `plan` whose pnl is `qty_lots * 10 - max_position_lots`.
    fn row_of(plan: &RunPlan) -> ResultRow {
        let number = |key: &str| {
            plan.point
                .iter()
                .find(|(k, _)| k == key)
                .and_then(|(_, v)| v.as_integer())
                .unwrap_or(0) as f64
        };
        let mut stats = vec![None; STATS.len()];
        stats[0] = Some(number("qty_lots") * 10.0 - number("max_position_lots"));
        ResultRow {
            run_id: plan.run_id.clone(),
            point: plan.point.clone(),
            day: String::new(),
            generation: plan.generation,
            status: RowStatus::Ok,
            error: None,
            stats,
            config_hash: plan.config_hash.clone(),
        }
    }

    #[test]
    fn a_grid_plans_every_point_once_then_nothing() {
        let mut p = planner(&["qty_lots=1,2", "max_position_lots=3,4,5"], Search::Grid);
        let plans = p.next_runs(&[]).unwrap();
        assert_eq!(
            points(&plans),
            ["0001:1,3", "0002:1,4", "0003:1,5", "0004:2,3", "0005:2,4", "0006:2,5"]
        );
        assert!(plans[1]
            .config_toml
            .contains("[params]\nmax_position_lots = 4\nqty_lots = 1\n"));
        let hashes: HashSet<&str> = plans.iter().map(|p| p.config_hash.as_str()).collect();
        assert_eq!(hashes.len(), 6);
        assert!(p.next_runs(&[]).unwrap().is_empty());
    }

    #[test]
    fn a_random_search_draws_distinct_points_the_same_for_a_seed() {
        let grids = ["qty_lots=1,2,3,4,5", "max_position_lots=1,2,3,4,5"];
        let draw = |seed| {
            points(
                &planner(&grids, Search::Random { samples: 6, seed })
                    .next_runs(&[])
                    .unwrap(),
            )
        };
        let first = draw(3);
        assert_eq!(first.len(), 6);
        let distinct: HashSet<&str> = first.iter().map(|p| &p[5..]).collect();
        assert_eq!(distinct.len(), 6);
        assert_eq!(first, draw(3));
        assert_ne!(first, draw(4));
        // More samples than points: the whole grid, in grid order.
        let all = points(
            &planner(
                &["qty_lots=1,2"],
                Search::Random {
                    samples: 9,
                    seed: 1,
                },
            )
            .next_runs(&[])
            .unwrap(),
        );
        assert_eq!(all, ["0001:1", "0002:2"]);
    }

    #[test]
    fn a_genetic_search_plans_a_generation_at_a_time_and_never_a_point_twice() {
        let grids = ["qty_lots=1,2,3,4,5,6", "max_position_lots=1,2,3,4,5,6"];
        let search = Search::Genetic {
            population: 5,
            generations: 4,
            seed: 9,
        };
        let run = || {
            let mut p = planner(&grids, search);
            let mut rows: Vec<ResultRow> = Vec::new();
            let mut generations = Vec::new();
            loop {
                let plans = p.next_runs(&rows).unwrap();
                if plans.is_empty() {
                    break;
                }
                generations.push(points(&plans));
                rows.extend(plans.iter().map(row_of));
            }
            (generations, rows)
        };
        let (generations, rows) = run();
        assert_eq!(generations, run().0);
        assert_eq!(generations[0].len(), 5);
        assert!(rows.iter().all(|r| r.generation >= 1 && r.generation <= 4));
        let hashes: HashSet<&str> = rows.iter().map(|r| r.config_hash.as_str()).collect();
        assert_eq!(hashes.len(), rows.len(), "a point ran twice");
        // Ids go on from one generation to the next.
        assert!(generations[1][0].starts_with("0006:"), "{generations:?}");
    }
}
